// Reading a probability of purchase within any whole number of days from the stored knots
// (PROBABILITY_DAYS = every day from 1 to 28, then 42, 56, 91, 182, 365).
import { PROBABILITY_DAYS } from "../../src/analysis/contract";
import {
  knotSegment,
  probabilityKnots,
  probabilityWithin,
  storedKnots,
} from "../../src/analysis/probability";

/** A prediction whose knots are given by horizon; horizons not given repeat the previous knot. */
function stored(byDays: Record<number, number>) {
  let last = 0;
  return { probabilityWithin: PROBABILITY_DAYS.map((d) => (last = byDays[d] ?? last)) };
}

describe("probabilityWithin", () => {
  const prediction = stored({ 1: 0.1, 7: 0.3, 28: 0.5, 42: 0.96875, 182: 0.99, 365: 1 });

  it("reads a stored horizon as it is", () => {
    expect(probabilityWithin(prediction, 1)).toBe(0.1);
    expect(probabilityWithin(prediction, 7)).toBe(0.3);
    expect(probabilityWithin(prediction, 28)).toBe(0.5);
    expect(probabilityWithin(prediction, 365)).toBe(1);
  });

  it("spreads the chance evenly over the days between two stored horizons (constant hazard)", () => {
    // Survival 0.5 at 28 days, 0.03125 = 0.5⁵ at 42: halfway (35 days) it is √(0.5 · 0.03125) = 0.125.
    expect(probabilityWithin(prediction, 35)).toBeCloseTo(0.875, 12);
    // A quarter of the way (31.5 days is not whole; 1/14 of the way, 29 days): 0.5^(13/14) · 0.03125^(1/14)
    // = 0.5^(13/14 + 5/14) = 0.5^(18/14).
    expect(probabilityWithin(prediction, 29)).toBeCloseTo(1 - 0.5 ** (18 / 14), 12);
  });

  it("interpolates linearly towards a horizon that is certain", () => {
    // 0.99 at 182 days, 1 at 365: 200 days is 18/183 of the way.
    expect(probabilityWithin(prediction, 200)).toBeCloseTo(0.99 + 0.01 * (18 / 183), 12);
  });

  it("is exact for a memoryless buyer", () => {
    // Knots of P = 1 − e^(−d/10), rounded to 4 decimals, read back at days no knot holds.
    const memoryless = { probabilityWithin: probabilityKnots((d) => 1 - Math.exp(-d / 10)) };
    for (const d of [30, 35, 50, 60, 100, 200]) {
      expect(probabilityWithin(memoryless, d)).toBeCloseTo(1 - Math.exp(-d / 10), 4);
    }
  });

  it("never decreases with the number of days", () => {
    let previous = 0;
    for (let d = 1; d <= 365; d++) {
      const p = probabilityWithin(prediction, d);
      expect(p).toBeGreaterThanOrEqual(previous);
      previous = p;
    }
  });

  it.each([0, 366, 2.5, Number.NaN, -1])("rejects %p days, naming the range", (days) => {
    expect(() => probabilityWithin(prediction, days)).toThrow(
      `days: expected a whole number from 1 to 365, got ${days}`,
    );
  });

  it("rejects a prediction without one probability per stored horizon", () => {
    expect(() => probabilityWithin({ probabilityWithin: [0.5] }, 7)).toThrow(
      "probabilityWithin: expected 33 probabilities (one per PROBABILITY_DAYS), got 1",
    );
  });
});

describe("knotSegment", () => {
  it("names the knots either side of a day and how far between them it lies", () => {
    expect(knotSegment(1)).toEqual({ lower: 0, upper: 0, t: 0 });
    expect(knotSegment(7)).toEqual({ lower: 6, upper: 6, t: 0 });
    // Every day of the first four weeks is a knot.
    expect(knotSegment(12)).toEqual({ lower: 11, upper: 11, t: 0 });
    expect(knotSegment(28)).toEqual({ lower: 27, upper: 27, t: 0 });
    // Between the knots at 28 (index 27) and 42 (index 28).
    expect(knotSegment(35)).toEqual({ lower: 27, upper: 28, t: 0.5 });
    // Between 182 (index 31) and 365 (index 32).
    expect(knotSegment(200)).toEqual({ lower: 31, upper: 32, t: 18 / 183 });
    expect(knotSegment(365)).toEqual({ lower: 32, upper: 32, t: 0 });
  });

  it.each([0, 366, 2.5])("rejects %p days, naming the range", (days) => {
    expect(() => knotSegment(days)).toThrow(`days: expected a whole number from 1 to 365, got ${days}`);
  });
});

describe("probabilityKnots", () => {
  it("keeps 4 decimals, clamps to 0–1 and never lets a longer horizon be less likely", () => {
    const values = [0.123456, 0.1, Number.NaN, 0.2, 1.5, 0.7];
    expect(probabilityKnots((_, i) => values[i] ?? 1)).toEqual([
      0.1235,
      0.1235,
      0.1235,
      0.2,
      ...PROBABILITY_DAYS.slice(4).map(() => 1),
    ]);
    expect(probabilityKnots(() => -0.5)).toEqual(PROBABILITY_DAYS.map(() => 0));
  });

  it("asks for each stored horizon, in order", () => {
    const asked: number[] = [];
    probabilityKnots((d) => {
      asked.push(d);
      return 0;
    });
    expect(asked).toEqual([...PROBABILITY_DAYS]);
  });

  it("are the same made from numbers already in an array (storedKnots, the analyzer's way)", () => {
    const raw = PROBABILITY_DAYS.map((d) => (d === 3 ? Number.NaN : 1 - Math.exp(-d / 10)));
    expect(storedKnots(raw)).toEqual(probabilityKnots((_, i) => raw[i]!));
    expect(storedKnots(raw).slice(0, 4)).toEqual([0.0952, 0.1813, 0.1813, 0.3297]);
  });
});
