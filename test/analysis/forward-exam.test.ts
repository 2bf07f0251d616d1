// The forward exam's protocol (src/analysis/forward-exam.ts): what each customer shows the analyzer as
// of a date, which categories are cases and what their truth is, that every fit learns from purchases
// before the date only, the scores on a hand-made population with a fake analyzer, the --out records,
// and a small end-to-end run of the statistical analyzer on generated customers. Accuracy numbers are
// measured by `npm run backtest` and recorded in docs/PREDICTION.md, not asserted here.
import { DAY_MS, DayClock } from "../../src/analysis/calendar";
import {
  type Analyzer,
  type CategoryPrediction,
  type CustomerHistory,
  PROBABILITY_DAYS,
} from "../../src/analysis/contract";
import {
  ANALYZER,
  type AnalyzerFit,
  ExamInputError,
  type ForwardPredictionRecord,
  forwardQuestions,
  parseAsOfDays,
  runForwardExam,
} from "../../src/analysis/forward-exam";
import { syntheticCategoryKind, syntheticHistories } from "../../src/datagen/synthetic-histories";

const clock = new DayClock();
const START = Date.UTC(2026, 0, 1) / DAY_MS; // day 0 = 2026-01-01
const AS_OF = "2026-01-29"; // day 28

/** Baskets as [day, categories…] (one unit each, at noon UTC). */
function history(customerId: string, baskets: Array<[number, ...string[]]>): CustomerHistory {
  return {
    customerId,
    purchases: baskets.map(([day, ...categories]) => ({
      purchasedAt: new Date((START + day) * DAY_MS + 12 * 3_600_000),
      items: categories.map((category) => ({
        sku: `${category}-1`,
        productName: category,
        category,
        quantity: 1,
      })),
    })),
  };
}

// a: milk on 0, 7, 14 and 31; bread on 0 and 20, never again; eggs once before the date.
// b: milk on 26 and 27, and again on the as-of day itself.
// c: eggs on 1 and 2, next on 60, the data's last day.
const POPULATION = [
  history("a", [
    [0, "MILK", "BREAD"],
    [7, "MILK"],
    [14, "MILK", "EGGS"],
    [20, "BREAD"],
    [30, "EGGS"],
    [31, "MILK"],
  ]),
  history("b", [
    [26, "MILK"],
    [27, "MILK"],
    [28, "MILK"],
  ]),
  history("c", [
    [1, "EGGS"],
    [2, "EGGS"],
    [60, "EGGS"],
  ]),
];

describe("forwardQuestions", () => {
  it("shows the baskets before the date and judges each category bought on two of their days", () => {
    const [question, ...more] = forwardQuestions(POPULATION[0]!, clock, [START + 28]);
    expect(more).toEqual([]);
    expect(question!.visible.purchases).toEqual(POPULATION[0]!.purchases.slice(0, 4));
    expect(question!.cases).toEqual([
      { category: "BREAD", purchaseDays: [START, START + 20], actualDay: undefined },
      { category: "MILK", purchaseDays: [START, START + 7, START + 14], actualDay: START + 31 },
    ]);
  });

  it("takes a purchase on the as-of day itself as the truth", () => {
    const [question] = forwardQuestions(POPULATION[1]!, clock, [START + 28]);
    expect(question!.cases).toEqual([
      { category: "MILK", purchaseDays: [START + 26, START + 27], actualDay: START + 28 },
    ]);
  });

  it("shows only the newest baskets", () => {
    // The newest 2 before day 28 are days 14 and 20: no category on two of their days.
    const [question] = forwardQuestions(POPULATION[0]!, clock, [START + 28], 2);
    expect(question!.visible.purchases).toEqual(POPULATION[0]!.purchases.slice(2, 4));
    expect(question!.cases).toEqual([]);
  });

  it("asks nothing of a customer with no basket before the date", () => {
    expect([...forwardQuestions(POPULATION[1]!, clock, [START + 10])]).toEqual([]);
  });
});

describe("parseAsOfDays", () => {
  it("reads calendar dates, ascending", () => {
    expect(parseAsOfDays(["2026-02-01", "2026-01-29"])).toEqual([START + 28, START + 31]);
  });

  it.each([
    [[], "asOf: expected at least one YYYY-MM-DD date, got none"],
    [["2026-1-29"], 'asOf: expected calendar dates as YYYY-MM-DD, got "2026-1-29"'],
    [["2026-02-30"], 'asOf: expected calendar dates as YYYY-MM-DD, got "2026-02-30"'],
    [["2026-01-29", "2026-01-29"], "asOf: expected distinct dates, got 2026-01-29 twice"],
  ])("rejects %j", (values, message) => {
    expect(() => parseAsOfDays(values)).toThrow(new ExamInputError(message));
  });
});

/**
 * An analyzer that says the same for every category it sees: bought 2 days after `now`, window
 * [now, now + 5], P(within 7 days) = 0.6. Records what each fit was trained on.
 */
function fakeFit(trainedOn: Array<{ asOf: string; latestPurchase: number; customers: number }>): AnalyzerFit {
  return async (training, context) => {
    let latestPurchase = Number.NEGATIVE_INFINITY;
    let customers = 0;
    for await (const h of training()) {
      customers++;
      for (const p of h.purchases) latestPurchase = Math.max(latestPurchase, p.purchasedAt.getTime());
    }
    trainedOn.push({ asOf: clock.format(context.asOfDay), latestPurchase, customers });
    const analyzer: Analyzer = {
      version: "fake@1",
      source: "STATISTICAL",
      analyze: (customers, now) =>
        customers.map((h) => {
          const today = clock.dayOf(now);
          const categories = [...new Set(h.purchases.flatMap((p) => p.items.map((i) => i.category)))];
          return {
            customerId: h.customerId,
            analyzedAt: now,
            analyzerVersion: "fake@1",
            occasional: [],
            predictions: categories.map(
              (category): CategoryPrediction => ({
                category,
                nextPurchaseAt: clock.startOf(today + 2),
                windowStart: clock.startOf(today),
                windowEnd: clock.startOf(today + 5),
                overdue: false,
                overdueDays: 0,
                confidence: 0.5,
                toleranceDays: 1,
                intervalDays: 7,
                probabilityWithin: PROBABILITY_DAYS.map((d) => (d < 7 ? 0.3 : d === 7 ? 0.6 : 0.9)),
                lastPurchasedAt: now,
                lastQuantity: 1,
                purchaseDays: 2,
                usualProducts: [],
                reason: "fake",
              }),
            ),
          };
        }),
    };
    return analyzer;
  };
}

describe("runForwardExam on a hand-made population", () => {
  const trainedOn: Array<{ asOf: string; latestPurchase: number; customers: number }> = [];
  const records: ForwardPredictionRecord[] = [];
  const run = runForwardExam(() => POPULATION, {
    asOf: [AS_OF],
    fitAnalyzer: fakeFit(trainedOn),
    kindOf: (category) => (category === "MILK" ? "dairy" : "other"),
    onPrediction: (record) => records.push(record),
    bootstrap: { resamples: 0 },
  });

  it("fits the analyzer once per date, on every customer's purchases before it", async () => {
    await run;
    expect(trainedOn).toEqual([{ asOf: AS_OF, latestPurchase: expect.any(Number), customers: 3 }]);
    expect(trainedOn[0]!.latestPurchase).toBeLessThan(clock.startOf(START + 28).getTime());
  });

  it("scores every predictor on the same cases, at the horizon", async () => {
    const report = await run;
    expect(report.customers).toBe(3);
    expect(report.customersWithCases).toBe(3);
    expect(report.overall.cases).toBe(4);
    // Bought within 7 days: a's milk (day 31) and b's milk (day 28); not a's bread, not c's eggs (day 60).
    expect(report.overall.buyersWithin7).toBe(0.5);
    expect(report.overall.buyersWithinHorizon).toBe(0.5);
    const byName = new Map(report.overall.scores.map((s) => [s.predictor, s]));
    // The fake says "in 2 days" for all: |2 − 3| + |2 − 0| + |2 − 28| (bread, never) + |2 − 28| (eggs, 32 → 28).
    // p7 = 0.6 everywhere: Brier (0.4² + 0.4² + 0.6² + 0.6²) / 4 = 0.26; all tied, so AUC 0.5.
    expect(byName.get(ANALYZER)).toMatchObject({ coverage: 1, maeAtH: 55 / 4, auc7: 0.5 });
    expect(byName.get(ANALYZER)!.brier7).toBeCloseTo(0.26, 12);
    expect(byName.get(ANALYZER)!.calibration7).toBeCloseTo(0.1, 12);
    // Mean interval: milk 14 + 7 = 21 → the date (0; 3 off); bread 20 + 20 = 40 (12; never: 16 off);
    // b's milk 28 (0; 0 off); eggs 2 + 1 → the date (0; 28 off).
    expect(byName.get("customer mean interval")!.maeAtH).toBe(47 / 4);
    const pg = byName.get("Poisson-Gamma")!;
    expect(pg.coverage).toBe(1);
    expect(pg.brier7).toBeGreaterThan(0);
    expect(report.protocol).toMatchObject({
      asOf: [AS_OF],
      horizon: 28,
      dataFirstDay: "2026-01-01",
      dataLastDay: "2026-03-02",
      kinds: "source",
    });
    expect(Object.keys(report.byKind).sort()).toEqual(["dairy", "other"]);
    expect(report.byKind.dairy!.cases).toBe(2);
    expect(report.byAsOf[AS_OF]!.cases).toBe(4);
    expect(report.analyzerVersions).toEqual({ [AS_OF]: "fake@1" });
  });

  it("hands out one record per analyzer prediction of a case, in the --out shape", async () => {
    await run;
    expect(records.map((r) => JSON.stringify(r))).toContain(
      '{"customer":"a","category":"MILK","asOf":"2026-01-29","predicted":"2026-01-31","windowStart":"2026-01-29",' +
        '"windowEnd":"2026-02-03","probabilityWithin":{"7":0.6,"14":0.9,"28":0.9}}',
    );
    expect(records.map((r) => `${r.customer} ${r.category}`).sort()).toEqual([
      "a BREAD",
      "a MILK",
      "b MILK",
      "c EGGS",
    ]);
  });

  it("refuses a date without the horizon's days of data after it, naming the latest one allowed", async () => {
    await expect(
      runForwardExam(() => POPULATION, { asOf: [AS_OF, "2026-02-04"], fitAnalyzer: fakeFit([]) }),
    ).rejects.toThrow(
      new ExamInputError(
        "as of 2026-02-04: expected at least 28 days of data from it on to judge a 28-day horizon " +
          "(the data runs from 2026-01-01 to 2026-03-02; the latest as-of date allowed is 2026-02-03)",
      ),
    );
    await expect(
      runForwardExam(() => POPULATION, { asOf: ["2026-01-01"], fitAnalyzer: fakeFit([]) }),
    ).rejects.toThrow("as of 2026-01-01: expected a date after the first purchase");
    await expect(runForwardExam(() => POPULATION, { asOf: [AS_OF], horizon: 0 })).rejects.toThrow(
      "horizon: expected a whole number of days from 1 to 365, got 0",
    );
  });
});

describe("runForwardExam with the statistical analyzer on generated customers", () => {
  const options = { seed: 4, days: 200, end: new Date("2026-01-01T00:00:00Z") };
  const source = () => syntheticHistories(options, 60);
  const asOf = ["2025-10-01", "2025-11-15"];
  const exam = () =>
    runForwardExam(source, { asOf, kindOf: syntheticCategoryKind, bootstrap: { resamples: 100, seed: 5 } });
  const first = exam();

  it("answers every case and scores every predictor", async () => {
    const report = await first;
    // Cases counted independently: per customer and date, categories on ≥ 2 distinct days of the
    // newest 20 baskets before it.
    let cases = 0;
    for (const h of source()) {
      for (const day of parseAsOfDays(asOf)) {
        const visible = [...h.purchases]
          .filter((p) => clock.dayOf(p.purchasedAt) < day)
          .sort((x, y) => x.purchasedAt.getTime() - y.purchasedAt.getTime())
          .slice(-20);
        const days = new Map<string, Set<number>>();
        for (const p of visible) {
          for (const item of p.items) {
            if (!days.has(item.category)) days.set(item.category, new Set());
            days.get(item.category)!.add(clock.dayOf(p.purchasedAt));
          }
        }
        cases += [...days.values()].filter((set) => set.size >= 2).length;
      }
    }
    expect(report.overall.cases).toBe(cases);
    expect(cases).toBeGreaterThan(1_000);
    for (const score of report.overall.scores) expect(score.coverage).toBe(1);
    expect(Object.keys(report.byKind).sort()).toEqual(["occasional", "staple"]);
    const analyzer = report.overall.scores[0]!;
    expect(analyzer.auc7).toBeGreaterThan(0.5);
    expect(analyzer.earlyMisses!.share).not.toBeNull();
  });

  it("gives a 95 % interval for every difference, the same for the same seed", async () => {
    const report = await first;
    const differences = report.differences.overall;
    // Three interval baselines (MAE, AUC) and Poisson-Gamma (MAE, AUC, Brier).
    expect(differences).toHaveLength(3 * 2 + 3);
    for (const d of differences) {
      expect(d.interval!.low).toBeLessThanOrEqual(d.interval!.high);
    }
    expect((await exam()).differences).toEqual(report.differences);
  });
});
