-- History keeps only predictions that can still be scored. A purchase scores the FIRST open
-- prediction of its cycle (same customer, category and lastPurchasedAt) and closes the others
-- unscored (recordOutcomes), so when a set is superseded, a row is deleted instead of kept if
--   * an earlier open prediction of its cycle is kept (it can never be scored), or
--   * it was closed unscored (fulfilledAt set, errorDays NULL).
-- Before, every daily refresh kept every superseded row: about 22 rows per customer a day. The
-- trigger is otherwise the one of migration 20261125120000_one_current_prediction_set.
DROP TRIGGER "Prediction_supersede_previous_set";

CREATE TRIGGER "Prediction_supersede_previous_set"
BEFORE INSERT ON "Prediction"
FOR EACH ROW WHEN NEW."supersededAt" IS NULL
BEGIN
    DELETE FROM "Prediction"
    WHERE "customerId" = NEW."customerId" AND "supersededAt" IS NULL AND "generatedAt" <> NEW."generatedAt"
      AND "errorDays" IS NULL
      AND ("fulfilledAt" IS NOT NULL OR EXISTS (
        SELECT 1 FROM "Prediction" AS f
        WHERE f."customerId" = "Prediction"."customerId" AND f."supersededAt" IS NOT NULL
          AND f."category" = "Prediction"."category" AND f."lastPurchasedAt" = "Prediction"."lastPurchasedAt"
          AND f."fulfilledAt" IS NULL AND f."generatedAt" < "Prediction"."generatedAt"));
    UPDATE "Prediction" SET "supersededAt" = NEW."generatedAt"
    WHERE "customerId" = NEW."customerId" AND "supersededAt" IS NULL AND "generatedAt" <> NEW."generatedAt";
    SELECT RAISE(IGNORE) WHERE NEW."category" IS NULL;
END;

-- The history earlier versions kept that no purchase can score any more goes now, once. From here on
-- the trigger above keeps it from piling up, and each batch run prunes what outlives the retention.
DELETE FROM "Prediction"
WHERE "supersededAt" IS NOT NULL AND "errorDays" IS NULL
  AND ("fulfilledAt" IS NOT NULL OR EXISTS (
    SELECT 1 FROM "Prediction" AS f
    WHERE f."customerId" = "Prediction"."customerId" AND f."supersededAt" IS NOT NULL
      AND f."category" = "Prediction"."category" AND f."lastPurchasedAt" = "Prediction"."lastPurchasedAt"
      AND f."fulfilledAt" IS NULL AND f."generatedAt" < "Prediction"."generatedAt"));
