// The backtest protocol (src/analysis/holdout.ts), checked on generated customers against an
// independent reading of their histories: what is held out, what the analyzer sees, when it is asked,
// which categories take part, and that priors learn from the training side only. Accuracy numbers are
// not asserted here: they are measured by `npm run backtest` and recorded in docs/PREDICTION.md.
import { runBacktest } from "../../src/analysis/backtest";
import { BASELINE_NAMES } from "../../src/analysis/baselines";
import { DayClock } from "../../src/analysis/calendar";
import type { CustomerHistory } from "../../src/analysis/contract";
import { holdOutCases, trainingSide } from "../../src/analysis/holdout";
import { syntheticHistories } from "../../src/datagen/synthetic-histories";

const OPTIONS = { seed: 3, days: 180, end: new Date("2026-01-01T00:00:00Z") };
const histories = [...syntheticHistories(OPTIONS, 40)];
const clock = new DayClock();

/** Per category: its distinct purchase days, ascending. */
function purchaseDays(history: CustomerHistory): Map<string, number[]> {
  const days = new Map<string, Set<number>>();
  for (const purchase of history.purchases) {
    for (const item of purchase.items) {
      if (!days.has(item.category)) days.set(item.category, new Set());
      days.get(item.category)!.add(clock.dayOf(purchase.purchasedAt));
    }
  }
  return new Map([...days].map(([category, set]) => [category, [...set].sort((a, b) => a - b)]));
}

/** The baskets on or before `lastDay`, newest `limit` of them, oldest first. */
function newestUpTo(history: CustomerHistory, lastDay: number, limit = 20) {
  const sorted = [...history.purchases].sort((a, b) => a.purchasedAt.getTime() - b.purchasedAt.getTime());
  return sorted.filter((p) => clock.dayOf(p.purchasedAt) <= lastDay).slice(-limit);
}

describe("holdOutCases", () => {
  const cases = histories.flatMap((history) =>
    [...holdOutCases(history, clock)].map((c) => ({ history, c })),
  );

  it("yields cases from the generated customers", () => {
    expect(cases.length).toBeGreaterThan(200);
  });

  it("holds out each category's last distinct purchase day", () => {
    for (const { history, c } of cases) {
      const days = purchaseDays(history).get(c.category)!;
      expect(c.actualDay).toBe(days[days.length - 1]);
    }
  });

  it("shows the analyzer the newest 20 baskets up to the previous purchase day, and asks the day after", () => {
    for (const { history, c } of cases) {
      const days = purchaseDays(history).get(c.category)!;
      const previous = days[days.length - 2]!;
      expect(c.visible.purchases).toEqual(newestUpTo(history, previous));
      expect(c.nowDay).toBe(previous + 1);
      for (const purchase of c.visible.purchases)
        expect(clock.dayOf(purchase.purchasedAt)).toBeLessThan(c.actualDay);
    }
  });

  it("takes every category with at least 4 distinct purchase days counting the held-out one, and no other", () => {
    const expected = new Set<string>();
    for (const history of histories) {
      for (const [category, days] of purchaseDays(history)) {
        if (days.length < 2) continue;
        const previous = days[days.length - 2]!;
        const visible = newestUpTo(history, previous);
        const first = clock.dayOf(visible[0]!.purchasedAt);
        const shown = days.filter((d) => d >= first && d <= previous).length;
        if (shown + 1 >= 4) expected.add(`${history.customerId}/${category}`);
      }
    }
    expect(new Set(cases.map(({ c }) => `${c.customerId}/${c.category}`))).toEqual(expected);
    // Some categories are left out, or the rule would not be tested.
    const all = histories.reduce((n, h) => n + purchaseDays(h).size, 0);
    expect(expected.size).toBeLessThan(all);
  });

  it("asks the day after the last basket of any kind with askAt: last-basket (for comparison only)", () => {
    for (const history of histories.slice(0, 10)) {
      for (const c of holdOutCases(history, clock, { askAt: "last-basket" })) {
        const visible = newestUpTo(history, c.actualDay - 1);
        expect(c.visible.purchases).toEqual(visible);
        expect(c.nowDay).toBe(clock.dayOf(visible[visible.length - 1]!.purchasedAt) + 1);
      }
    }
  });
});

describe("trainingSide", () => {
  it("removes exactly the held-out purchases", () => {
    for (const history of histories) {
      const heldOut = new Map([...holdOutCases(history, clock)].map((c) => [c.category, c.actualDay]));
      const isHeldOut = (category: string, day: number) => heldOut.get(category) === day;
      const lines = (h: CustomerHistory, keep: (category: string, day: number) => boolean) =>
        h.purchases.flatMap((p) =>
          p.items
            .filter((i) => keep(i.category, clock.dayOf(p.purchasedAt)))
            .map((i) => `${p.purchasedAt.getTime()} ${i.sku}`),
        );
      const training = trainingSide(history, clock);
      expect(lines(training, () => true)).toEqual(
        lines(history, (category, day) => !isHeldOut(category, day)),
      );
    }
  });
});

describe("runBacktest", () => {
  const records: unknown[] = [];
  let report: Awaited<ReturnType<typeof runBacktest>>;
  beforeAll(async () => {
    report = await runBacktest(() => histories, { onPrediction: (r) => records.push(r) });
  });

  it("scores the analyzer and the three baselines on every case", () => {
    const n = histories.reduce((sum, h) => sum + [...holdOutCases(h, clock)].length, 0);
    expect(report.scores.map((s) => s.predictor)).toEqual(["statistical analyzer", ...BASELINE_NAMES]);
    for (const score of report.scores) expect(score.n).toBe(n);
    expect(report.scores[0]!.coverage).not.toBeNull();
    expect(report.scores.slice(1).every((s) => s.coverage === null)).toBe(true);
    expect(report.customers).toBe(40);
    expect(report.protocol).toEqual({
      maxPurchases: 20,
      minPurchaseDays: 4,
      askAt: "previous-purchase",
      timeZone: "UTC",
    });
  });

  it("reports the best single interval for every case, chosen on the answers, for scale", () => {
    // Independently: previous purchase day (the day before now) + k, never before now.
    const cases = histories.flatMap((history) => [...holdOutCases(history, clock)]);
    let best = { interval: 0, mae: Number.POSITIVE_INFINITY };
    for (let k = 1; k <= 200; k++) {
      let total = 0;
      for (const c of cases) total += Math.abs(Math.max(c.nowDay, c.nowDay - 1 + k) - c.actualDay);
      if (total / cases.length < best.mae) best = { interval: k, mae: total / cases.length };
    }
    expect(report.hindsight).toEqual({ n: cases.length, interval: best.interval, mae: expect.any(Number) });
    expect(report.hindsight!.mae).toBeCloseTo(best.mae, 3);
    // A constant interval does worse than the customers' own intervals on generated households.
    expect(report.hindsight!.mae).toBeGreaterThan(report.scores[1]!.mae);
  });

  it("reports each prediction as a line of the --out file", () => {
    expect(records).toHaveLength(report.scores[0]!.n);
    expect(records[0]).toEqual({
      customer: expect.stringMatching(/^syn-3-\d{7}$/),
      category: expect.any(String),
      predicted: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      windowStart: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      windowEnd: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
    });
  });

  it("learns its priors from the training side only", async () => {
    // Change every held-out purchase (ten times the quantity): the priors, hence the analyzer's
    // version, must not notice.
    const tampered = histories.map((history) => {
      const heldOut = new Map([...holdOutCases(history, clock)].map((c) => [c.category, c.actualDay]));
      return {
        ...history,
        purchases: history.purchases.map((p) => ({
          ...p,
          items: p.items.map((i) =>
            heldOut.get(i.category) === clock.dayOf(p.purchasedAt) ? { ...i, quantity: i.quantity * 10 } : i,
          ),
        })),
      };
    });
    const again = await runBacktest(() => tampered);
    expect(again.analyzerVersion).toBe(report.analyzerVersion);
    expect(again.scores).toEqual(report.scores);
  });
});
