-- One current set of predictions per customer, kept by the database: inserting a customer's new set
-- supersedes the rows of any other set still current (rows of one set share generatedAt), so a
-- write-back is ONE statement with no transaction around it. A customer whose new set is empty is
-- written as one marker row with a NULL category (impossible in a stored row): it supersedes the
-- previous set and is itself not stored. Prisma does not model triggers: a later migration that
-- redefines the Prediction table must create this trigger again
-- (test/predictions/prediction-store.test.ts fails otherwise).
CREATE TRIGGER "Prediction_supersede_previous_set"
BEFORE INSERT ON "Prediction"
FOR EACH ROW WHEN NEW."supersededAt" IS NULL
BEGIN
    UPDATE "Prediction" SET "supersededAt" = NEW."generatedAt"
    WHERE "customerId" = NEW."customerId" AND "supersededAt" IS NULL AND "generatedAt" <> NEW."generatedAt";
    SELECT RAISE(IGNORE) WHERE NEW."category" IS NULL;
END;
