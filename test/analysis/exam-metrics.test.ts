// The forward exam's scores on hand-computed cases (days are offsets from the as-of day T).
import {
  bootstrapIntervals,
  type ExamCase,
  ExamTable,
  MIN_TAIL_CASES,
  type PredictorAnswer,
} from "../../src/analysis/exam-metrics";

const PROBABILISTIC = { name: "model", probabilistic: true, window: true };
const DAY_ONLY = { name: "interval", probabilistic: false, window: false };
const NEVER = Number.POSITIVE_INFINITY;

function caseOf(actual: number, customer = 0, dataLeft = 100): ExamCase {
  return { customer, asOf: 0, group: 0, actual, dataLeft };
}

describe("ExamTable.metrics", () => {
  it("MAE@H caps both the prediction and the answer at the horizon", () => {
    // H = 28: |3 − 5| = 2; |min(40, 28) − (never → 28)| = 0; |10 − min(50, 28)| = 18; |min(30, 28) − 20| = 8.
    const table = new ExamTable([DAY_ONLY]);
    for (const [predicted, actual] of [
      [3, 5],
      [40, NEVER],
      [10, 50],
      [30, 20],
    ] as const) {
      table.add(caseOf(actual), [{ predicted }]);
    }
    const score = table.metrics(0, table.allCases(), 28);
    expect(score.maeAtH).toBe(28 / 4);
    expect(score.cases).toBe(4);
    expect(score.predicted).toBe(4);
    expect(score.coverage).toBe(1);
    expect(score.brier7).toBeNull();
    expect(score.calibration7).toBeNull();
    expect(score.earlyMisses).toBeNull();
    expect(score.lateMisses).toBeNull();
  });

  describe("a probabilistic predictor", () => {
    // p7 and "bought within 7 days" (actual < 7): 0.9 yes, 0.5 yes, 0.5 no, 0.2 no, 0.9 no.
    const table = new ExamTable([PROBABILISTIC]);
    for (const [p7, actual] of [
      [0.9, 2],
      [0.5, 6],
      [0.5, 7],
      [0.2, NEVER],
      [0.9, 30],
    ] as const) {
      table.add(caseOf(actual), [{ predicted: 3, p7, windowStart: 0, windowEnd: 10 }]);
    }
    const score = table.metrics(0, table.allCases(), 28);

    it("AUC7 counts a tie between a buyer and a non-buyer as half", () => {
      // 2 buyers × 3 non-buyers = 6 pairs. The 0.9 buyer beats 0.5 and 0.2, ties 0.9: 2.5.
      // The 0.5 buyer ties 0.5, beats 0.2, loses to 0.9: 1.5. AUC = 4 / 6.
      expect(score.auc7).toBeCloseTo(4 / 6, 12);
    });

    it("Brier7 is the mean squared gap between p7 and the outcome", () => {
      // (0.1² + 0.5² + 0.5² + 0.2² + 0.9²) / 5 = (0.01 + 0.25 + 0.25 + 0.04 + 0.81) / 5
      expect(score.brier7).toBeCloseTo(1.36 / 5, 12);
    });

    it("calibration is the mean p7 minus the observed share", () => {
      // mean p7 = 3.0 / 5 = 0.6; 2 of 5 bought within 7 days.
      expect(score.calibration7).toBeCloseTo(0.2, 12);
    });
  });

  it("AUC7 of a predictor without a probability ranks by the predicted day, sooner = likelier", () => {
    // Predicted days 1 (buyer), 5 (non-buyer), 5 (buyer), 9 (non-buyer): the day-1 buyer beats both
    // non-buyers (2), the day-5 buyer ties one and beats one (1.5): 3.5 / 4.
    const table = new ExamTable([DAY_ONLY]);
    for (const [predicted, actual] of [
      [1, 0],
      [5, 20],
      [5, 3],
      [9, NEVER],
    ] as const) {
      table.add(caseOf(actual), [{ predicted }]);
    }
    expect(table.metrics(0, table.allCases(), 28).auc7).toBeCloseTo(3.5 / 4, 12);
  });

  it("AUC7 is null when every case has the same outcome", () => {
    const table = new ExamTable([DAY_ONLY]);
    table.add(caseOf(2), [{ predicted: 1 }]);
    table.add(caseOf(3), [{ predicted: 4 }]);
    expect(table.metrics(0, table.allCases(), 28).auc7).toBeNull();
  });

  it("scores answered cases only, and reports the share answered", () => {
    const table = new ExamTable([DAY_ONLY]);
    table.add(caseOf(4), [{ predicted: 4 }]);
    table.add(caseOf(10), [undefined]);
    const score = table.metrics(0, table.allCases(), 28);
    expect(score).toMatchObject({ cases: 2, predicted: 1, coverage: 0.5, maeAtH: 0 });
  });

  describe("window tails, judged only where the prediction puts the edge inside the data", () => {
    // The data ends 30 days after T. 100 windows [5, 40]: their start is judgeable, their end (after
    // the data) is not; 10 of them were bought on day 2 (early misses). 100 windows [31, 45]: neither
    // edge is judgeable. 100 windows [0, 10]: both are; 30 never bought, 70 bought on day 8.
    function tailTable(lateCases: number) {
      const table = new ExamTable([PROBABILISTIC]);
      const add = (actual: number, windowStart: number, windowEnd: number) =>
        table.add(caseOf(actual, 0, 30), [{ predicted: windowStart, p7: 0.5, windowStart, windowEnd }]);
      for (let i = 0; i < 100; i++) add(i < 10 ? 2 : 6, 5, 40);
      for (let i = 0; i < 100; i++) add(NEVER, 31, 45);
      for (let i = 0; i < lateCases; i++) add(i < 30 ? NEVER : 8, 0, 10);
      return table.metrics(0, table.allCases(), 28);
    }

    it("early misses: bought before windowStart, over windows starting on or before the data's last day", () => {
      // Judgeable: the 100 [5, 40] and the [0, 10] ones (start 0 ≤ 30); not the [31, 45] ones.
      expect(tailScores(tailTable(100)).early).toEqual({ judged: 200, share: 10 / 200 });
    });

    it("late misses: not bought by windowEnd, over windows ending before the data's last day", () => {
      // Judgeable: only the 100 [0, 10] windows (40 and 45 are after day 30): 30 never bought.
      expect(tailScores(tailTable(100)).late).toEqual({ judged: 100, share: 0.3 });
    });

    it(`leaves a tail judgeable on fewer than ${MIN_TAIL_CASES} cases unjudged`, () => {
      expect(tailScores(tailTable(99)).late).toEqual({ judged: 99, share: null });
    });

    it("counts a window starting on the data's last day as judgeable early, one ending on it not late", () => {
      const table = new ExamTable([PROBABILISTIC]);
      for (let i = 0; i < 100; i++) {
        table.add(caseOf(NEVER, 0, 30), [{ predicted: 30, p7: 0.1, windowStart: 30, windowEnd: 30 }]);
      }
      const score = table.metrics(0, table.allCases(), 28);
      expect(score.earlyMisses).toEqual({ judged: 100, share: 0 });
      expect(score.lateMisses).toEqual({ judged: 0, share: null });
    });
  });

  it("weights count each customer's cases that many times", () => {
    // Customer 0 twice and customer 1 not at all is the table with customer 0's cases doubled.
    const answers: Array<[number, number, PredictorAnswer]> = [
      [0, 2, { predicted: 1, p7: 0.8, windowStart: 0, windowEnd: 5 }],
      [0, 20, { predicted: 9, p7: 0.3, windowStart: 3, windowEnd: 12 }],
      [1, 4, { predicted: 30, p7: 0.1, windowStart: 10, windowEnd: 40 }],
    ];
    const weighted = new ExamTable([PROBABILISTIC]);
    for (const [customer, actual, answer] of answers) weighted.add(caseOf(actual, customer), [answer]);
    const doubled = new ExamTable([PROBABILISTIC]);
    for (const [customer, actual, answer] of [...answers, ...answers]) {
      if (customer === 0) doubled.add(caseOf(actual, customer), [answer]);
    }
    expect(weighted.metrics(0, weighted.allCases(), 28, Float64Array.from([2, 0]))).toEqual(
      doubled.metrics(0, doubled.allCases(), 28),
    );
  });

  it("scores a selection of the cases", () => {
    const table = new ExamTable([DAY_ONLY]);
    table.add({ ...caseOf(4), group: 0 }, [{ predicted: 4 }]);
    table.add({ ...caseOf(10), group: 1 }, [{ predicted: 2 }]);
    const second = table.select((c) => c.group === 1);
    expect([...second]).toEqual([1]);
    expect(table.metrics(0, second, 28).maeAtH).toBe(8);
    expect(table.boughtWithin(second, 7)).toBe(0);
    expect(table.boughtWithin(table.allCases(), 7)).toBe(0.5);
    expect(table.boughtWithin(table.allCases(), 11)).toBe(1);
  });
});

describe("bootstrapIntervals", () => {
  const statistic = (w: Float64Array) => [w[0]!, w.reduce((a, b) => a + b, 0)];

  it("draws as many customers as there are, with replacement, each resample", () => {
    const [first, total] = bootstrapIntervals(3, statistic, { resamples: 2_000, seed: 7 });
    // Customer 0 is drawn Binomial(3, 1/3) times: 0 and 3 each have probability ≥ 1/27, so the 95 %
    // interval spans [0, 2] at least; the total is always 3.
    expect(first!.low).toBe(0);
    expect(first!.high).toBeGreaterThanOrEqual(2);
    expect(total).toEqual({ low: 3, high: 3 });
  });

  it("is deterministic for a seed, and changes with it", () => {
    const mean = (w: Float64Array) => [w.reduce((sum, x, i) => sum + x * i, 0) / w.length];
    const a = bootstrapIntervals(50, mean, { resamples: 200, seed: 1 });
    expect(bootstrapIntervals(50, mean, { resamples: 200, seed: 1 })).toEqual(a);
    expect(bootstrapIntervals(50, mean, { resamples: 200, seed: 2 })).not.toEqual(a);
  });

  it("leaves out resamples where a statistic is undefined, and gives null when none has it", () => {
    const [some, none] = bootstrapIntervals(4, (w) => [w[0]! > 0 ? w[0]! : Number.NaN, Number.NaN], {
      resamples: 500,
      seed: 3,
    });
    expect(some!.low).toBeGreaterThanOrEqual(1);
    expect(none).toBeNull();
  });
});

function tailScores(score: ReturnType<ExamTable["metrics"]>) {
  return { early: score.earlyMisses, late: score.lateMisses };
}
