import { BASELINE_NAMES, baselineDays, CategoryIntervalMedians } from "../../src/analysis/baselines";
import { DayClock } from "../../src/analysis/calendar";
import { ErrorTally, HindsightInterval } from "../../src/analysis/scores";

const START = Date.UTC(2026, 0, 1);
const basket = (day: number, category: string) => ({
  purchasedAt: new Date(START + day * 86_400_000),
  items: [{ sku: category, productName: category, category, quantity: 1 }],
});

describe("baselineDays", () => {
  it("adds the customer's mean or median interval, or the category's median, to the last purchase", () => {
    // Intervals 7 and 8 (mean and median 7.5, rounded to 8); category median 10.
    expect(baselineDays([0, 7, 15], 10, 16)).toEqual({
      "customer mean interval": 23,
      "customer median interval": 23,
      "category global median interval": 25,
    });
  });

  it("never predicts a day before now", () => {
    const days = baselineDays([0, 2, 4], 3, 30);
    for (const name of BASELINE_NAMES) expect(days[name]).toBe(30);
  });
});

describe("CategoryIntervalMedians", () => {
  it("pools every customer's intervals per category, and all categories for an unknown one", () => {
    const medians = new CategoryIntervalMedians(new DayClock());
    medians.add({ customerId: "a", purchases: [0, 5, 10, 30].map((d) => basket(d, "EGGS")) }); // 5, 5, 20
    medians.add({ customerId: "b", purchases: [0, 9, 12].map((d) => basket(d, "MILK")) }); // 9, 3
    expect(medians.median("EGGS")).toBe(5);
    expect(medians.median("MILK")).toBe(3); // lower median of 3, 9
    expect(medians.median("TEA")).toBe(5); // 3, 5, 5, 9, 20
  });
});

describe("ErrorTally", () => {
  it("reports MAE, median absolute error and window coverage", () => {
    const tally = new ErrorTally("x");
    for (const [error, inWindow] of [
      [0, true],
      [2, true],
      [3, false],
      [7, true],
    ] as const)
      tally.add(error, inWindow);
    expect(tally.score()).toEqual({ predictor: "x", n: 4, mae: 3, medianAe: 2.5, coverage: 0.75 });
  });

  it("has no coverage for predictors without a window", () => {
    const tally = new ErrorTally("baseline");
    tally.add(4);
    expect(tally.score()).toEqual({ predictor: "baseline", n: 1, mae: 4, medianAe: 4, coverage: null });
  });
});

describe("HindsightInterval", () => {
  it("finds the one interval with the lowest MAE on the answers", () => {
    // Answers 10, 20 and 90 days after the previous purchase, asked the day after it. Any k in
    // [10, 20] errs by (k − 10) + (20 − k) + (90 − k) = 100 − k; beyond 20, by k + 60: best k = 20.
    const hindsight = new HindsightInterval();
    for (const actualAfter of [10, 20, 90]) hindsight.add(1, actualAfter);
    expect(hindsight.best()).toEqual({ n: 3, interval: 20, mae: 26.667 });
  });

  it("never predicts before now, like the baselines", () => {
    // Asked 30 days after the previous purchase and answered 40 days after it: any k ≤ 30 predicts
    // day 30 (error 10, not 40 − k). With a case answered 5 days after, k = 5 costs 10 + 0 in all;
    // without the rule it would cost 35 + 0, and k = 40 (35 in all) would tie.
    const hindsight = new HindsightInterval();
    hindsight.add(30, 40);
    hindsight.add(1, 5);
    expect(hindsight.best()).toEqual({ n: 2, interval: 5, mae: 5 });
  });

  it("keeps the shortest of equally good intervals", () => {
    // Answers 5 and 9 days after: every k from 5 to 9 errs by 4 in all.
    const hindsight = new HindsightInterval();
    hindsight.add(1, 5);
    hindsight.add(1, 9);
    expect(hindsight.best()).toEqual({ n: 2, interval: 5, mae: 2 });
  });

  it("has nothing to report without cases", () => {
    expect(new HindsightInterval().best()).toBeUndefined();
  });
});
