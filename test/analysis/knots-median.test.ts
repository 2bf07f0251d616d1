// The stored probabilities and the predicted day are one distribution: a reader who interpolates
// the knots (Prediction.probability, customersDue's ranking) finds the median on nextPurchaseAt's
// day, and the 80 % window around it. Checked on generated customers with priors fitted on them.
import { MAX_PURCHASES } from "../../src/analysis/contract";
import { fitPopulationPriors } from "../../src/analysis/hazard-fit";
import { probabilityWithin } from "../../src/analysis/probability";
import { StatisticalAnalyzer } from "../../src/analysis/statistical-analyzer";
import { syntheticHistories } from "../../src/datagen/synthetic-histories";

const DAY_MS = 86_400_000;
const NOW = new Date("2026-01-01T00:00:00Z");
/** The knots are every day up to here (PROBABILITY_DAYS): within it the reading is the curve itself. */
const DAILY_KNOTS = 28;

describe("the stored probabilities of a statistical prediction", () => {
  const histories = [...syntheticHistories({ seed: 7, days: 365, end: NOW }, 300)].map((h) => ({
    ...h,
    purchases: h.purchases.slice(-MAX_PURCHASES),
  }));
  const predictions = new StatisticalAnalyzer(fitPopulationPriors(histories))
    .analyze(histories, NOW)
    .flatMap((analysis) => analysis.predictions);
  const daysAhead = (date: Date) => Math.round((date.getTime() - NOW.getTime()) / DAY_MS);

  it("put the median on nextPurchaseAt's day for every need predicted within four weeks", () => {
    const near = predictions.filter((p) => daysAhead(p.nextPurchaseAt) < DAILY_KNOTS);
    expect(near.length).toBeGreaterThan(1_000);
    const off = near.filter((p) => {
      const day = daysAhead(p.nextPurchaseAt);
      // The median day: the first day by whose end the purchase has happened with probability ½.
      // Knots are rounded to 4 decimals, so "½" is read with that tolerance.
      const byEnd = probabilityWithin(p, day + 1);
      const before = day > 0 ? probabilityWithin(p, day) : 0;
      return !(byEnd >= 0.5 - 5e-5 && before <= 0.5 + 5e-5);
    });
    expect(off).toEqual([]);
  });

  it("open the window no later than the median and close it no earlier (its levels are fitted, below and above ½)", () => {
    for (const p of predictions) {
      const [start, end] = [daysAhead(p.windowStart), daysAhead(p.windowEnd)];
      if (end >= DAILY_KNOTS) continue;
      if (start > 0) expect(probabilityWithin(p, start)).toBeLessThanOrEqual(0.5);
      expect(probabilityWithin(p, end + 1)).toBeGreaterThanOrEqual(0.5);
    }
  });
});
