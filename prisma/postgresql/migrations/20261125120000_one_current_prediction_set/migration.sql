-- One current set of predictions per customer, kept by the database: inserting a customer's new set
-- supersedes the rows of any other set still current (rows of one set share generatedAt), so a
-- write-back is ONE statement with no transaction around it. Prisma does not model functions or
-- triggers: test/predictions/prediction-store.test.ts fails if a later migration loses them.
-- The function body is an E'' string with its semicolons written \073: Prisma's driver-adapter
-- migration path (adapter-pg's executeScript, used where the native schema engine cannot run) splits
-- a script at every semicolon, inside dollar quotes too.
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
