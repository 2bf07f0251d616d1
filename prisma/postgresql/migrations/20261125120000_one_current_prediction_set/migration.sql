-- One current set of predictions per customer, kept by the database: inserting a customer's new set
-- supersedes the rows of any other set still current (rows of one set share generatedAt), so a
-- write-back is ONE statement with no transaction around it. A customer whose new set is empty is
-- written as one marker row with a NULL category (impossible in a stored row): it supersedes the
-- previous set and is itself not stored. Prisma does not model functions or triggers:
-- test/predictions/prediction-store.test.ts fails if a later migration loses them.
-- The function bodies are E'' strings with their semicolons written \073: Prisma's driver-adapter
-- migration path (adapter-pg's executeScript, used where the native schema engine cannot run) splits
-- a script at every semicolon, inside dollar quotes too.

-- New sets: once per statement, over the rows it inserted.
CREATE FUNCTION "Prediction_supersede_previous_sets"() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
    UPDATE "Prediction" AS p SET "supersededAt" = n."generatedAt"
    FROM (SELECT DISTINCT "customerId", "generatedAt" FROM inserted WHERE "supersededAt" IS NULL) AS n
    WHERE p."customerId" = n."customerId" AND p."supersededAt" IS NULL AND p."generatedAt" <> n."generatedAt"\073
    RETURN NULL\073
END
';

CREATE TRIGGER "Prediction_supersede_previous_sets"
AFTER INSERT ON "Prediction"
REFERENCING NEW TABLE AS inserted
FOR EACH STATEMENT EXECUTE FUNCTION "Prediction_supersede_previous_sets"();

-- Empty sets: the marker row supersedes its customer's current set and is skipped.
CREATE FUNCTION "Prediction_supersede_by_empty_set"() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
    UPDATE "Prediction" SET "supersededAt" = NEW."generatedAt"
    WHERE "customerId" = NEW."customerId" AND "supersededAt" IS NULL AND "generatedAt" <> NEW."generatedAt"\073
    RETURN NULL\073
END
';

CREATE TRIGGER "Prediction_supersede_by_empty_set"
BEFORE INSERT ON "Prediction"
FOR EACH ROW WHEN (NEW."category" IS NULL)
EXECUTE FUNCTION "Prediction_supersede_by_empty_set"();
