// The next-purchase distribution on hazards simple enough to work out by hand: S(m) is the product of
// (1 − h) over the first m days, whether those days are single-day segments or inside a block.
import { type CaseState, FEATURE_COUNT, HAZARD_FEATURES } from "../../src/analysis/hazard";
import { NextPurchase } from "../../src/analysis/next-purchase";

const STATE: CaseState = {
  fromDay: 100,
  lastDay: 90,
  logRate: 0,
  logUsual: Math.log(10),
  logSd: 0.5,
  logPurchaseDays: 0,
  logTripShare: 0,
  logTripRate: 0,
  logQuantityRatio: 0,
  logCategoryRate: 0,
  lastTripDay: 99,
  logTripGap: Math.log(7),
  rhythmPeriod: 0,
  rhythmAnchor: 0,
};

/** Weights that are 0 but for the named features. */
function weights(named: Partial<Record<(typeof HAZARD_FEATURES)[number], number>>): Float64Array {
  const w = new Float64Array(FEATURE_COUNT);
  for (const [name, value] of Object.entries(named)) w[HAZARD_FEATURES.indexOf(name as never)] = value;
  return w;
}

describe("NextPurchase", () => {
  it("is geometric under a constant daily hazard of 0.1: S(m) = 0.9^m", () => {
    const next = new NextPurchase().fill(STATE, weights({ bias: Math.log(1 / 9) }));
    expect(next.survivalAfter(5)).toBeCloseTo(0.59049, 12); // a single-day segment's start
    expect(next.survivalAfter(30)).toBeCloseTo(0.0423912, 6); // inside the 28–42 block
    expect(next.probabilityWithin(100, 20)).toBeCloseTo(0.8784233, 6);
    // Median: the first day by which S has fallen to 0.5 (0.9^7 = 0.478): day offset 6.
    expect(next.quantile(0.5)).toBe(106);
    // 0.9^22 = 0.0985: 90 % bought by day offset 21, the first day of the 21–28 block.
    expect(next.quantile(0.9)).toBe(121);
    expect(next.probabilityBetween(101, 102)).toBeCloseTo(0.9 * 0.1 + 0.81 * 0.1, 12);
    const days = [1, 7, 30, 365];
    expect([...next.probabilitiesWithin(100, days, new Float64Array(4))]).toEqual(
      days.map((d) => next.probabilityWithin(100, d)),
    );
  });

  it("on a weekly rhythm with purchases only on trip days (h = 0.5 there), halves S at each trip", () => {
    // Trips on 103, 110, 117, 124, 131, …; off-trip days have a hazard of e^-50: nothing.
    const state = { ...STATE, rhythmPeriod: 7, rhythmAnchor: 103 };
    const next = new NextPurchase().fill(state, weights({ onTrip: 0, offTrip: -50 }));
    expect(next.survivalAfter(3)).toBe(1);
    expect(next.survivalAfter(4)).toBeCloseTo(0.5, 12);
    expect(next.survivalAfter(30)).toBeCloseTo(0.0625, 12); // days 100–129: four trips
    expect(next.survivalAfter(35)).toBeCloseTo(0.03125, 12); // and 131
    expect(next.quantile(0.5)).toBe(103);
    expect(next.quantile(0.9)).toBe(124); // the fourth trip, inside the 21–28 block
  });
});
