// The Prediction table on both databases: one current set per customer with history kept while a
// purchase can still score it, and a purchase scored once, against the first prediction made since
// the category's previous purchase.
import { DayClock } from "../../../src/analysis/calendar";
import type { CustomerPredictions, PredictionRecord } from "../../../src/predictions/customer-predictions";
import {
  predictionAccuracy,
  recordOutcomes,
  saveCurrentPredictions,
} from "../../../src/predictions/store/prediction-store";
import { describeEachDatabase } from "../../support/databases";

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
    probabilityWithin: [0, 0, 0, 0, 0.1, 0.2, 0.5, 0.8, 0.9, 0.95, 1, 1, 1, 1, 1, 1],
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
    await saveCurrentPredictions(db, handle.provider, [
      set(customerId, 1, [record("MILK", 7, 0), record("EGGS", 5, 0)]),
    ]);
    await saveCurrentPredictions(db, handle.provider, [
      set(customerId, 2, [record("MILK", 8, 0), record("EGGS", 5, 0)]),
    ]);
    await saveCurrentPredictions(db, handle.provider, [
      set(customerId, 3, [record("MILK", 9, 0), record("EGGS", 5, 0)]),
    ]);
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

  it("keeps exactly one current set per customer, and as history each cycle's first forecast only", async () => {
    const db = handle.database.prisma;
    const current = await db.prediction.findMany({
      where: { customerId, supersededAt: null },
      orderBy: { category: "asc" },
    });
    expect(current.map((p) => [p.category, p.nextPurchaseAt.toISOString()])).toEqual([
      ["EGGS", at(5)],
      ["MILK", at(9)],
    ]);
    // Day 2's forecasts went when day 3's superseded them: only day 1's, the first since the purchase
    // of day 0, can be scored by the next purchase.
    const history = await db.prediction.findMany({
      where: { customerId, supersededAt: { not: null } },
      orderBy: { category: "asc" },
    });
    expect(
      history.map((p) => [p.category, p.generatedAt.toISOString(), p.supersededAt?.toISOString()]),
    ).toEqual([
      ["EGGS", at(1), at(2)],
      ["MILK", at(1), at(2)],
    ]);
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
    // Day 1's forecast scored; the current one (day 3) closed unscored.
    expect(
      milk.map((p) => [p.generatedAt.toISOString(), p.fulfilledAt?.toISOString() ?? null, p.errorDays]),
    ).toEqual([
      [at(1), at(10), 3],
      [at(3), at(10), null],
    ]);
    // Eggs were not bought: still open.
    expect(await db.prediction.count({ where: { customerId, category: "EGGS", fulfilledAt: null } })).toBe(2);
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

  it("drops a superseded forecast closed unscored, keeps a scored one and each open cycle's first", async () => {
    const db = handle.database.prisma;
    await saveCurrentPredictions(db, handle.provider, [
      set(customerId, 11, [record("MILK", 17, 10), record("EGGS", 5, 0)]),
    ]);
    const rows = await db.prediction.findMany({
      where: { customerId },
      orderBy: [{ category: "asc" }, { generatedAt: "asc" }],
    });
    expect(
      rows.map((p) => [
        p.category,
        p.generatedAt.toISOString(),
        p.supersededAt?.toISOString() ?? null,
        p.errorDays,
      ]),
    ).toEqual([
      ["EGGS", at(1), at(2), null],
      ["EGGS", at(11), null, null],
      ["MILK", at(1), at(2), 3],
      ["MILK", at(11), null, null],
    ]);
    expect(await predictionAccuracy(db, new Date(at(0)))).toEqual([
      { source: "STATISTICAL", fulfilled: 1, meanAbsoluteErrorDays: 3, windowCoverage: 0 },
    ]);
  });

  it("keeps one current set per customer when a batch spans several statements, each its own set", async () => {
    const db = handle.database.prisma;
    // 150 customers × 30 categories = 4,500 rows: more than one INSERT's worth.
    const categories = Array.from({ length: 30 }, (_, i) => `CAT${String(i).padStart(2, "0")}`);
    const ids: number[] = [];
    for (let i = 0; i < 150; i++) {
      ids.push((await db.customer.create({ data: { externalId: `bulk-${i}`, name: `Bulk ${i}` } })).id);
    }
    const batchAt = (day: number, next: number) =>
      ids.map((id) =>
        set(
          id,
          day,
          categories.map((c) => record(c, next, 0)),
        ),
      );
    await saveCurrentPredictions(db, handle.provider, batchAt(1, 7));
    await saveCurrentPredictions(db, handle.provider, batchAt(2, 8));
    const current = await db.prediction.groupBy({
      by: ["customerId", "generatedAt"],
      where: { customerId: { in: ids }, supersededAt: null },
      _count: { _all: true },
    });
    expect(current).toHaveLength(ids.length);
    expect(current.every((g) => g._count._all === categories.length)).toBe(true);
    expect(current.every((g) => g.generatedAt.toISOString() === at(2))).toBe(true);
    expect(
      await db.prediction.count({ where: { customerId: { in: ids }, supersededAt: new Date(at(2)) } }),
    ).toBe(ids.length * categories.length);
  });

  it("supersedes the previous set of a customer left with no predictions", async () => {
    const db = handle.database.prisma;
    const id = (await db.customer.create({ data: { externalId: "emptied", name: "Emptied" } })).id;
    const other = (await db.customer.create({ data: { externalId: "kept", name: "Kept" } })).id;
    const untouched = (await db.customer.create({ data: { externalId: "untouched", name: "U" } })).id;
    await saveCurrentPredictions(db, handle.provider, [
      set(id, 1, [record("MILK", 7, 0)]),
      set(other, 1, [record("MILK", 7, 0)]),
      set(untouched, 1, [record("MILK", 7, 0)]),
    ]);
    await saveCurrentPredictions(db, handle.provider, [set(id, 2, [record("MILK", 8, 0)])]);
    // One statement: an empty set next to a new one.
    await saveCurrentPredictions(db, handle.provider, [
      set(id, 3, []),
      set(other, 3, [record("EGGS", 6, 0)]),
    ]);
    // Day 2's forecast, not its cycle's first, went with its set; day 1's stays to be scored.
    expect(
      await db.prediction.findMany({
        where: { customerId: id },
        select: { generatedAt: true, supersededAt: true },
      }),
    ).toEqual([{ generatedAt: new Date(at(1)), supersededAt: new Date(at(2)) }]);
    const current = await db.prediction.findMany({
      where: { customerId: { in: [other, untouched] }, supersededAt: null },
      orderBy: { customerId: "asc" },
      select: { customerId: true, category: true },
    });
    expect(current).toEqual([
      { customerId: other, category: "EGGS" },
      { customerId: untouched, category: "MILK" },
    ]);
  });

  it("leaves one current set per customer when the same customers are written twice at once (a chunk delivered twice)", async () => {
    // Two workers on one chunk (a lost lock): their statements race. Each round also writes one set a
    // second time, as a retried chunk with a pinned clock would.
    const db = handle.database.prisma;
    const categories = ["MILK", "EGGS", "BREAD"];
    const ids: number[] = [];
    for (let i = 0; i < 40; i++) {
      ids.push((await db.customer.create({ data: { externalId: `twice-${i}`, name: `Twice ${i}` } })).id);
    }
    const batchAt = (day: number) =>
      ids.map((id) =>
        set(
          id,
          day,
          categories.map((c) => record(c, day + 7, 0)),
        ),
      );
    for (let round = 1; round <= 6; round++) {
      await Promise.all([
        saveCurrentPredictions(db, handle.provider, batchAt(2 * round)),
        saveCurrentPredictions(db, handle.provider, batchAt(2 * round + 1)),
        saveCurrentPredictions(db, handle.provider, batchAt(2 * round + 1)),
      ]);
      const current = await db.prediction.groupBy({
        by: ["customerId"],
        where: { customerId: { in: ids }, supersededAt: null },
        _count: { _all: true },
        _min: { generatedAt: true },
        _max: { generatedAt: true },
      });
      expect(current).toHaveLength(ids.length);
      for (const customer of current) {
        expect(customer._count._all).toBe(categories.length);
        expect(customer._min.generatedAt).toEqual(customer._max.generatedAt);
      }
    }
  });

  it("keeps the invariant in the database: any insert of a newer set supersedes the current one", async () => {
    // The trigger of migration 20261125120000_one_current_prediction_set; a migration that drops it
    // (e.g. by redefining the table) fails here.
    const db = handle.database.prisma;
    const id = (await db.customer.create({ data: { externalId: "direct", name: "Direct" } })).id;
    await saveCurrentPredictions(db, handle.provider, [
      set(id, 1, [record("MILK", 7, 0), record("EGGS", 5, 0)]),
    ]);
    await db.prediction.create({
      data: {
        customerId: id,
        category: "MILK",
        nextPurchaseAt: new Date(at(9)),
        windowStart: new Date(at(8)),
        windowEnd: new Date(at(10)),
        confidence: 0.5,
        toleranceDays: 1,
        intervalDays: 7,
        lastPurchasedAt: new Date(at(0)),
        overdue: false,
        reason: "direct insert",
        usualProducts: "[]",
        source: "STATISTICAL",
        model: "statistical@test",
        generatedAt: new Date(at(3)),
        expiresAt: new Date(at(4)),
      },
    });
    const current = await db.prediction.findMany({ where: { customerId: id, supersededAt: null } });
    expect(current.map((p) => p.reason)).toEqual(["direct insert"]);
  });
});
