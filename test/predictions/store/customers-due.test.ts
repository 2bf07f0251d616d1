// customersDue's ranking in SQL on both databases: the probability the database ranks and filters by
// is the one probabilityWithin() reads from the same knots, at a knot, between knots (constant
// hazard) and towards a certain knot (straight line); the order, the ties, the keyset pages, and
// which rows are left out.
import { PROBABILITY_DAYS } from "../../../src/analysis/contract";
import { probabilityWithin } from "../../../src/analysis/probability";
import type { CustomerPredictions, PredictionRecord } from "../../../src/predictions/customer-predictions";
import { type DueCursor, rankedPredictionsDue } from "../../../src/predictions/store/customers-due";
import { saveCurrentPredictions } from "../../../src/predictions/store/prediction-store";
import { describeEachDatabase } from "../../support/databases";

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 2, 1);
const at = (days: number) => new Date(T0 + days * DAY).toISOString();

/** Days the tests ask about: knots (1, 7, 365), between knots (8, 12, 100, 200) and the first gap. */
const DAYS = [1, 3, 7, 8, 12, 30, 100, 200, 365];

/**
 * Knots of a buyer who buys at `rate` per day, 4 decimals, non-decreasing; `certainFrom` makes every
 * knot from that index on 1 (the straight-line case), `zeroUntil` every knot before it 0.
 */
function knots(rate: number, { certainFrom = 99, zeroUntil = 0 } = {}): number[] {
  return PROBABILITY_DAYS.map((d, i) =>
    i >= certainFrom ? 1 : i < zeroUntil ? 0 : Math.round((1 - Math.exp(-rate * d)) * 10_000) / 10_000,
  );
}

function record(category: string, next: number, probabilities: number[]): PredictionRecord {
  return {
    category,
    usualProducts: [{ sku: `${category}-1`, name: `${category} one`, share: 1 }],
    nextPurchaseAt: at(next),
    windowStart: at(next),
    windowEnd: at(next + 3),
    confidence: 0.5,
    toleranceDays: 1,
    intervalDays: 7,
    probabilityWithin: probabilities,
    lastPurchasedAt: at(-3),
    overdue: false,
    reason: "buys about every 7 days",
    source: "STATISTICAL",
    model: "statistical@test",
  };
}

const set = (customerId: number, predictions: PredictionRecord[]): CustomerPredictions => ({
  customerId,
  generatedAt: at(0),
  expiresAt: at(1),
  predictions,
  insights: [],
});

describeEachDatabase("customersDue's ranking", (handle) => {
  /** MILK knots and next day per customer id, as stored. */
  const milk = new Map<number, { knots: number[]; next: number }>();
  let withoutKnots = 0;
  let fulfilled = 0;

  beforeAll(async () => {
    const db = handle.database.prisma;
    const shapes: Array<{ knots: number[]; next: number }> = [];
    for (let i = 0; i < 24; i++) {
      shapes.push({ knots: knots(0.01 + i * 0.013, { zeroUntil: i % 3 }), next: i % 5 });
    }
    // Certain from 28 days on, and from the very first day: the straight-line cases.
    shapes.push({ knots: knots(0.05, { certainFrom: 10 }), next: 2 });
    shapes.push({ knots: knots(0.2, { certainFrom: 0 }), next: 0 });
    // Exact ties: equal knots, told apart by the day, then the customer id.
    shapes.push(
      { knots: knots(0.1), next: 4 },
      { knots: knots(0.1), next: 2 },
      { knots: knots(0.1), next: 2 },
    );
    // Nobody will buy.
    shapes.push({ knots: knots(0), next: 30 });
    const sets: CustomerPredictions[] = [];
    for (const [i, shape] of shapes.entries()) {
      const { id } = await db.customer.create({ data: { externalId: `c${i}`, name: `Customer ${i}` } });
      milk.set(id, shape);
      sets.push(set(id, [record("MILK", shape.next, shape.knots), record("EGGS", 1, knots(0.9))]));
    }
    expect(await saveCurrentPredictions(db, handle.provider, sets)).toEqual(new Map());
    // Left out: a row stored before predictions carried probabilities, and a fulfilled one.
    withoutKnots = (await db.customer.create({ data: { externalId: "old", name: "Old row" } })).id;
    fulfilled = (await db.customer.create({ data: { externalId: "done", name: "Bought since" } })).id;
    await saveCurrentPredictions(db, handle.provider, [
      set(withoutKnots, [record("MILK", 0, knots(0.9))]),
      set(fulfilled, [record("MILK", 0, knots(0.9))]),
    ]);
    await db.$executeRawUnsafe(
      `UPDATE "Prediction" SET "probabilityWithin" = NULL WHERE "customerId" = ${withoutKnots}`,
    );
    await db.prediction.updateMany({
      where: { customerId: fulfilled },
      data: { fulfilledAt: new Date(at(1)) },
    });
  });

  /** Every MILK row in the order the test expects, by the JavaScript reader's probability. */
  function expectedOrder(days: number) {
    return [...milk]
      .map(([id, { knots: k, next }]) => ({ id, next, p: probabilityWithin({ probabilityWithin: k }, days) }))
      .sort((a, b) => b.p - a.p || a.next - b.next || a.id - b.id);
  }

  async function all(days: number, first: number, minProbability = 0) {
    const rows = [];
    let after: DueCursor | undefined;
    for (;;) {
      const page = await rankedPredictionsDue(handle.database.prisma, handle.provider, {
        category: "MILK",
        withinDays: days,
        minProbability,
        first,
        after,
      });
      rows.push(...page.slice(0, first));
      if (page.length <= first) return rows;
      const last = page[first - 1]!;
      after = {
        probability: last.probability,
        nextPurchaseAt: new Date(last.record.nextPurchaseAt),
        customerId: last.customer.id,
      };
    }
  }

  it.each(DAYS)(
    "ranks by the probability probabilityWithin() reads for %p days, ties by day then id",
    async (days) => {
      const rows = await all(days, 100);
      const expected = expectedOrder(days);
      expect(rows.map((row) => row.customer.id)).toEqual(expected.map((e) => e.id));
      for (const row of rows) {
        const js = probabilityWithin(row.record, days);
        // The database's pow() may differ from JavaScript's in the last binary digit, never more.
        expect(Math.abs(row.probability - js)).toBeLessThanOrEqual(2 * Number.EPSILON);
        expect(row.record.probabilityWithin).toEqual(milk.get(row.customer.id)!.knots);
      }
    },
  );

  it("pages by the keyset cursor to exactly the whole ranking", async () => {
    for (const days of [3, 12]) {
      const whole = (await all(days, 100)).map((row) => row.customer.id);
      expect((await all(days, 4)).map((row) => row.customer.id)).toEqual(whole);
      expect((await all(days, 1)).map((row) => row.customer.id)).toEqual(whole);
    }
  });

  it("leaves out the less likely than minProbability, and nobody below 0", async () => {
    const days = 12;
    const expected = expectedOrder(days);
    const threshold = expected[10]!.p;
    const rows = await all(days, 5, threshold);
    expect(rows.map((row) => row.customer.id)).toEqual(
      expected.filter((e) => e.p >= threshold).map((e) => e.id),
    );
    expect(await all(days, 100, 1)).toEqual((await all(days, 100)).filter((row) => row.probability >= 1));
  });

  it("leaves out rows without probabilities, fulfilled ones and other categories", async () => {
    const ids = (await all(7, 100)).map((row) => row.customer.id);
    expect(ids).not.toContain(withoutKnots);
    expect(ids).not.toContain(fulfilled);
    expect(new Set(ids)).toEqual(new Set(milk.keys()));
  });

  it("brings each row's customer along", async () => {
    const [row] = await all(1, 1);
    const customer = await handle.database.prisma.customer.findUniqueOrThrow({
      where: { id: row!.customer.id },
    });
    expect(row!.customer).toEqual(customer);
    expect(row!.generatedAt.toISOString()).toBe(at(0));
    expect(row!.record).toMatchObject({ category: "MILK", overdue: false, source: "STATISTICAL" });
  });
});
