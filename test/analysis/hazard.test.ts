// The hazard's features: the analyzer's direct sums (dayPredictors) must equal the fit's rows
// (fillFeatures) dotted with the weights, or the fitted weights would mean something else at
// prediction time; and the segments tile the year.
import {
  type CaseState,
  CURVE_DAYS,
  dayPredictors,
  FEATURE_COUNT,
  fillFeatures,
  OFF_TRIP,
  ON_TRIP,
  SEGMENTS,
  STATIC_FEATURES,
  segmentIndexOf,
  staticPredictor,
  tripDaysIn,
} from "../../src/analysis/hazard";

const STATE: CaseState = {
  fromDay: 100,
  lastDay: 88,
  logRate: Math.log(1 / 9),
  logUsual: Math.log(7),
  logSd: 0.3,
  logPurchaseDays: Math.log(6),
  logTripShare: Math.log(0.5),
  logTripRate: Math.log(1 / 4),
  logQuantityRatio: Math.log(2),
  logCategoryRate: Math.log(1 / 20),
  lastTripDay: 95,
  logTripGap: Math.log(4),
  rhythmPeriod: 4,
  rhythmAnchor: 95,
};

describe("hazard features", () => {
  it("sum the same in the analyzer as in the fit, on every segment, on and off the rhythm", () => {
    const w = Array.from({ length: FEATURE_COUNT }, (_, i) => Math.sin(i + 1));
    const row = new Float64Array(FEATURE_COUNT);
    const sums = new Float64Array(2);
    for (const state of [STATE, { ...STATE, rhythmPeriod: 0 }, { ...STATE, lastDay: 20, lastTripDay: 30 }]) {
      for (const segment of SEGMENTS) {
        dayPredictors(state, state.fromDay, segment, w, sums);
        for (const onTrip of [true, false]) {
          fillFeatures(state, segment, onTrip, row);
          let dot = 0;
          for (let i = 0; i < FEATURE_COUNT; i++) dot += w[i]! * row[i]!;
          let staticDot = 0;
          for (let i = 0; i < STATIC_FEATURES; i++) staticDot += w[i]! * row[i]!;
          expect(staticPredictor(state, w)).toBeCloseTo(staticDot, 10);
          expect(staticPredictor(state, w) + sums[onTrip ? ON_TRIP : OFF_TRIP]!).toBeCloseTo(dot, 10);
        }
      }
    }
  });

  it("tile the year in segments: daily for two weeks, then blocks ending on the stated horizons", () => {
    expect(SEGMENTS.slice(0, 14).every((s, i) => s.start === i && s.length === 1)).toBe(true);
    expect(SEGMENTS.slice(14).map((s) => s.start + s.length)).toEqual([21, 28, 42, 56, 91, 182, 365]);
    expect(segmentIndexOf(0)).toBe(0);
    expect(segmentIndexOf(20)).toBe(14);
    expect(segmentIndexOf(364)).toBe(SEGMENTS.length - 1);
    expect(segmentIndexOf(CURVE_DAYS)).toBe(SEGMENTS.length);
  });

  it("count the trip days on a rhythm in any stretch of days", () => {
    // Trips every 4 days on …, 95, 99, 103, 107, …: days 100–107 hold 103 and 107.
    expect(tripDaysIn(STATE, 100, 8)).toBe(2);
    expect(tripDaysIn(STATE, 99, 1)).toBe(1);
    expect(tripDaysIn(STATE, 100, 3)).toBe(0);
    expect(tripDaysIn({ ...STATE, rhythmPeriod: 0 }, 100, 8)).toBe(0);
  });
});
