-- History keeps only predictions that can still be scored. A purchase scores the FIRST open
-- prediction of its cycle (same customer, category and lastPurchasedAt) and closes the others
-- unscored (recordOutcomes), so when a set is superseded, a row is deleted instead of kept if
--   * an earlier open prediction of its cycle is kept (it can never be scored), or
--   * it was closed unscored (fulfilledAt set, errorDays NULL).
-- Before, every daily refresh kept every superseded row: about 22 rows per customer a day, 4,000 per
-- customer at 180 days' retention. Now a customer keeps the current set, the first prediction of
-- each open cycle and the scored ones. Both triggers of migration 20261125120000_one_current_prediction_set
-- now retire the previous sets through one function (that migration's header says why the bodies
-- are E'' strings with their semicolons written \073).

-- The customers' sets other than the one made at the paired generatedAt stop being current.
CREATE FUNCTION "Prediction_retire_previous_sets"("customerIds" integer[], "generatedAts" timestamp(3)[])
RETURNS void LANGUAGE sql AS E'
    DELETE FROM "Prediction" AS p
    USING unnest($1, $2) AS n("customerId", "generatedAt")
    WHERE p."customerId" = n."customerId" AND p."supersededAt" IS NULL AND p."generatedAt" <> n."generatedAt"
      AND p."errorDays" IS NULL
      AND (p."fulfilledAt" IS NOT NULL OR EXISTS (
        SELECT 1 FROM "Prediction" AS f
        WHERE f."customerId" = p."customerId" AND f."supersededAt" IS NOT NULL AND f."category" = p."category"
          AND f."lastPurchasedAt" = p."lastPurchasedAt" AND f."fulfilledAt" IS NULL AND f."generatedAt" < p."generatedAt"))\073
    UPDATE "Prediction" AS p SET "supersededAt" = n."generatedAt"
    FROM unnest($1, $2) AS n("customerId", "generatedAt")
    WHERE p."customerId" = n."customerId" AND p."supersededAt" IS NULL AND p."generatedAt" <> n."generatedAt"\073
';

CREATE OR REPLACE FUNCTION "Prediction_supersede_previous_sets"() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
    PERFORM "Prediction_retire_previous_sets"(array_agg(n."customerId"), array_agg(n."generatedAt"))
    FROM (SELECT DISTINCT "customerId", "generatedAt" FROM inserted WHERE "supersededAt" IS NULL) AS n\073
    RETURN NULL\073
END
';

CREATE OR REPLACE FUNCTION "Prediction_supersede_by_empty_set"() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
    PERFORM "Prediction_retire_previous_sets"(ARRAY[NEW."customerId"], ARRAY[NEW."generatedAt"])\073
    RETURN NULL\073
END
';

-- The history earlier versions kept that no purchase can score any more goes now, once (one
-- statement: 1.1 million such rows took 18 s on a 10,000-customer database). From here on the
-- triggers above keep it from piling up, and each batch run prunes what outlives the retention.
DELETE FROM "Prediction" AS p
WHERE p."supersededAt" IS NOT NULL AND p."errorDays" IS NULL
  AND (p."fulfilledAt" IS NOT NULL OR EXISTS (
    SELECT 1 FROM "Prediction" AS f
    WHERE f."customerId" = p."customerId" AND f."supersededAt" IS NOT NULL AND f."category" = p."category"
      AND f."lastPurchasedAt" = p."lastPurchasedAt" AND f."fulfilledAt" IS NULL AND f."generatedAt" < p."generatedAt"));
