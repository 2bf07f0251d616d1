// Has a need past due been given up? Hand-computed on a hazard that is constant, logistic(−2) = 0.1192
// a day, until twice the usual 7 days have passed, and falls after: weight −3 on log(elapsed / 14).
import { type CaseState, FEATURE_COUNT, HAZARD_FEATURES } from "../../src/analysis/hazard";
import { probablyStopped, STOPPED_SHARE } from "../../src/analysis/lapse";
import { NextPurchase } from "../../src/analysis/next-purchase";

const weights = new Float64Array(FEATURE_COUNT);
weights[HAZARD_FEATURES.indexOf("bias")] = -2;
weights[HAZARD_FEATURES.indexOf("overTwice")] = -3;

/** Last bought on day 28 (and every 7 days before); `now` is fromDay. */
function asOf(nowDay: number): CaseState {
  return {
    fromDay: nowDay,
    lastDay: 28,
    logRate: Math.log(1 / 7),
    logUsual: Math.log(7),
    logSd: 0.1,
    logPurchaseDays: Math.log(5),
    logTripShare: 0,
    logTripRate: Math.log(1 / 7),
    logQuantityRatio: 0,
    logCategoryRate: Math.log(1 / 14),
    lastTripDay: 28,
    logTripGap: Math.log(7),
    rhythmPeriod: 0,
    rhythmAnchor: 0,
  };
}

/** P(within 7 days of `nowDay`) as of `nowDay` (the day after the last purchase: 29), and the verdict. */
function judge(nowDay: number) {
  const state = asOf(nowDay);
  const current = new NextPurchase().fill(state, weights);
  return {
    chance: current.probabilityWithin(nowDay, 7),
    stopped: probablyStopped(current, new NextPurchase(), state, weights, nowDay, 7),
  };
}

describe("probablyStopped", () => {
  it("compares the chance within the usual interval now with the one right after the last purchase", () => {
    // Days 29–35 (elapsed 1–7) at 0.1192: 1 − 0.8808⁷ = 0.5887. On day 88 (elapsed 60–66) the hazard is
    // logistic(−2 − 3·log(elapsed / 14)) = 0.0017 … 0.0012: 0.0104 in 7 days, far below half of 0.5887.
    expect(judge(29).chance).toBeCloseTo(0.5887, 4);
    const lapsed = judge(88);
    expect(lapsed.chance).toBeCloseTo(0.0104, 4);
    expect(lapsed.stopped).toBe(true);
  });

  it("is not fooled by a need just past due: the wait has not made it less likely", () => {
    // Day 36 (elapsed 8–14, at most twice 7): the same 0.5887 as after the last purchase.
    const late = judge(36);
    expect(late.chance).toBeCloseTo(judge(29).chance, 10);
    expect(late.stopped).toBe(false);
  });

  it("says stopped from the point the chance falls below half of what it was", () => {
    // Within 7 days from day 44 (elapsed 16–22): Π (1 − logistic(−2 − 3·log(e/14))) → 0.3250, above
    // half of 0.5887 (0.2944); from day 46 (elapsed 18–24): 0.2517, below it.
    expect(judge(44).chance).toBeCloseTo(0.325, 3);
    expect(judge(44).stopped).toBe(false);
    expect(judge(46).chance).toBeCloseTo(0.2517, 3);
    expect(judge(46).stopped).toBe(true);
    expect(STOPPED_SHARE).toBe(0.5);
  });
});
