// The Prediction table on both databases: one current set per customer with history kept, and a
// purchase scored once, against the first prediction made since the category's previous purchase.
import { DayClock } from "../../src/analysis/calendar";
import type { CustomerPredictions, PredictionRecord } from "../../src/predictions/customer-predictions";
import {
  predictionAccuracy,
  recordOutcomes,
  saveCurrentPredictions,
} from "../../src/predictions/prediction-store";
import { describeEachDatabase } from "../support/databases";

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 2, 1);
const at = (days: number) => new Date(T0 + days * DAY).toISOString();

function record(category: string, next: number, lastBought: number): PredictionRecord {
  return {
    category,
    usualProducts: [{ sku: `${category}-1`, name: `${category} one`, share: 1 }],
    nextPurchaseAt: at(next),
    windowStart: at(next - 1),
    windowEnd: at(next + 1),
    confidence: 0.6,
    toleranceDays: 1,
    intervalDays: 7,
    lastPurchasedAt: at(lastBought),
    overdue: false,
    reason: "buys about every 7 days",
    source: "STATISTICAL",
    model: "statistical@test",
  };
}

function set(customerId: number, generated: number, predictions: PredictionRecord[]): CustomerPredictions {
  return { customerId, generatedAt: at(generated), expiresAt: at(generated + 1), predictions, insights: [] };
}

describeEachDatabase("prediction store", (handle) => {
  let customerId = 0;
  let milkPurchase = 0;
  beforeAll(async () => {
    const db = handle.database.prisma;
    customerId = (await db.customer.create({ data: { externalId: "c1", name: "Ana" } })).id;
    const milk = await db.product.create({ data: { sku: "MILK-1", name: "Milk", category: "MILK" } });
    // Three daily refreshes after the milk bought on day 0: forecasts for day 7, then 8, then 9.
    await saveCurrentPredictions(
      db,
      handle.provider,
      [set(customerId, 1, [record("MILK", 7, 0), record("EGGS", 5, 0)])],
      new Date(at(1)),
    );
    await saveCurrentPredictions(
      db,
      handle.provider,
      [set(customerId, 2, [record("MILK", 8, 0), record("EGGS", 5, 0)])],
      new Date(at(2)),
    );
    await saveCurrentPredictions(
      db,
      handle.provider,
      [set(customerId, 3, [record("MILK", 9, 0), record("EGGS", 5, 0)])],
      new Date(at(3)),
    );
    milkPurchase = (
      await db.purchase.create({
        data: {
          customerId,
          purchasedAt: new Date(at(10)),
          total: 2,
          items: { create: [{ productId: milk.id, quantity: 1, amount: 2 }] },
        },
      })
    ).id;
  });

  it("keeps exactly one current set per customer, the older ones as history", async () => {
    const db = handle.database.prisma;
    const current = await db.prediction.findMany({
      where: { customerId, supersededAt: null },
      orderBy: { category: "asc" },
    });
    expect(current.map((p) => [p.category, p.nextPurchaseAt.toISOString()])).toEqual([
      ["EGGS", at(5)],
      ["MILK", at(9)],
    ]);
    expect(await db.prediction.count({ where: { customerId, supersededAt: { not: null } } })).toBe(4);
  });

  it("scores a purchase once, against the first forecast since the previous purchase", async () => {
    const db = handle.database.prisma;
    const outcomes = await recordOutcomes(
      db,
      { id: milkPurchase, customerId, purchasedAt: new Date(at(10)) },
      new DayClock("UTC"),
    );
    // The day-1 forecast said day 7: 3 days early, outside its window (6–8).
    expect(outcomes).toEqual([{ category: "MILK", errorDays: 3, inWindow: false }]);
    const milk = await db.prediction.findMany({
      where: { customerId, category: "MILK" },
      orderBy: { generatedAt: "asc" },
    });
    expect(milk.map((p) => [p.fulfilledAt?.toISOString() ?? null, p.errorDays])).toEqual([
      [at(10), 3],
      [at(10), null],
      [at(10), null],
    ]);
    // Eggs were not bought: still open.
    expect(await db.prediction.count({ where: { customerId, category: "EGGS", fulfilledAt: null } })).toBe(3);
    expect(await predictionAccuracy(db, new Date(at(0)))).toEqual([
      { source: "STATISTICAL", fulfilled: 1, meanAbsoluteErrorDays: 3, windowCoverage: 0 },
    ]);
  });

  it("scores nothing twice when the same purchase is reported again", async () => {
    const again = await recordOutcomes(
      handle.database.prisma,
      { id: milkPurchase, customerId, purchasedAt: new Date(at(10)) },
      new DayClock("UTC"),
    );
    expect(again).toEqual([]);
  });
});
