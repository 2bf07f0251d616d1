// Moving a stored next-purchase distribution in time: P'(within d) = P(within d − shift), hand-computed
// on a memoryless buyer (a 10 % chance every day: P(within d) = 1 − 0.9^d, median on day 6) and on a
// certain purchase on day 30, between the stored knots at 28 and 42 days, which a reader interpolates.
import { PROBABILITY_DAYS } from "../../src/analysis/contract";
import { probabilityKnots, probabilityWithin } from "../../src/analysis/probability";
import { medianDay, moveMedianTo, probabilityBetweenDays, shiftKnots } from "../../src/analysis/shift";

const memoryless = probabilityKnots((d) => 1 - 0.9 ** d);
/** Bought on day 30 for certain: P(within d) = 0 up to 30 days, 1 from 31. */
const certain = probabilityKnots((d) => (d >= 31 ? 1 : 0));

const at = (knots: number[], d: number) => probabilityWithin({ probabilityWithin: knots }, d);

function expectServable(knots: number[]) {
  expect(knots).toHaveLength(PROBABILITY_DAYS.length);
  for (let i = 0; i < knots.length; i++) {
    expect(knots[i]).toBeGreaterThanOrEqual(i ? knots[i - 1]! : 0);
    expect(knots[i]).toBeLessThanOrEqual(1);
  }
}

describe("medianDay", () => {
  it("is the first day by the end of which the purchase has happened with probability ½", () => {
    // 1 − 0.9⁶ = 0.4686 < ½ ≤ 1 − 0.9⁷ = 0.5217: within 7 days, so on day 6.
    expect(medianDay(memoryless)).toBe(6);
    // The reader interpolates linearly from 0 at 28 days to 1 at 42: 6/14 within 34, 7/14 = ½ within 35:
    // day 34.
    expect(medianDay(certain)).toBe(34);
    expect(medianDay(probabilityKnots(() => 0.3))).toBeUndefined();
  });
});

describe("shiftKnots", () => {
  it("moves the distribution later: nothing before the shift, then the same chances", () => {
    const later = shiftKnots(memoryless, 3);
    expectServable(later);
    expect(at(later, 3)).toBe(0);
    expect(at(later, 4)).toBeCloseTo(0.1, 4); // P(within 1)
    expect(at(later, 7)).toBeCloseTo(0.3439, 4); // P(within 4) = 1 − 0.9⁴
  });

  it("moves it earlier with the chance of the days that would fall before today landing today", () => {
    const earlier = shiftKnots(memoryless, -2);
    expectServable(earlier);
    expect(at(earlier, 1)).toBeCloseTo(0.271, 4); // days 0, 1 and 2 all today: 1 − 0.9³
    expect(at(earlier, 5)).toBeCloseTo(0.5217, 4); // P(within 7)
  });
});

describe("moveMedianTo", () => {
  it("moves a memoryless buyer's median from day 6 to day 9 by the 3 days it moved", () => {
    const moved = moveMedianTo(memoryless, 9, 3)!;
    expect(moved.shift).toBe(3);
    expect(medianDay(moved.probabilityWithin)).toBe(9);
    // Within 9 days: P(within 6) = 1 − 0.9⁶ = 0.4686 < ½; within 10 days: P(within 7) = 0.5217.
    expect(at(moved.probabilityWithin, 9)).toBeCloseTo(0.4686, 3);
    expect(at(moved.probabilityWithin, 10)).toBeCloseTo(0.5217, 4);
  });

  it("moves a median to today", () => {
    // 2 days earlier: P'(within 1) = 1 − 0.9³ = 0.271 < ½; 6 earlier: 1 − 0.9⁷ = 0.5217: day 0.
    const moved = moveMedianTo(memoryless, 0, -6)!;
    expect(moved.shift).toBe(-6);
    expect(at(moved.probabilityWithin, 1)).toBeCloseTo(0.5217, 4);
    expect(medianDay(moved.probabilityWithin)).toBe(0);
  });

  it("finds the shift a reader's interpolation needs when the days moved would miss the day", () => {
    // The certain purchase, read with its median on day 34, asked on day 37. Moved the preferred 3 days,
    // the knot at 42 becomes P(within 39) = 11/14 and the one at 28 stays 0; between them a reader's
    // constant hazard reaches ½ at 28 + 14 · ln 2 / ln(14/3) = 34.3 days: day 34 again. Only a
    // larger shift puts the median on day 37.
    const moved = moveMedianTo(certain, 37, 3)!;
    expect(moved.shift).toBeGreaterThan(3);
    expect(medianDay(moved.probabilityWithin)).toBe(37);
    expectServable(moved.probabilityWithin);
  });

  it("cannot move a median that lies beyond a year, nor onto the last horizon or past it", () => {
    expect(
      moveMedianTo(
        probabilityKnots(() => 0.3),
        5,
        -300,
      ),
    ).toBeUndefined();
    expect(moveMedianTo(memoryless, 365, 359)).toBeUndefined();
    expect(moveMedianTo(memoryless, -1, -7)).toBeUndefined();
  });
});

describe("probabilityBetweenDays", () => {
  it("is the chance of a purchase on a day from `first` to `last`", () => {
    // Days 5 to 7 of the memoryless buyer: P(within 8) − P(within 5) = 0.9⁵ − 0.9⁸ = 0.1600.
    expect(probabilityBetweenDays(memoryless, 5, 7)).toBeCloseTo(0.9 ** 5 - 0.9 ** 8, 3);
    // From before today: from today.
    expect(probabilityBetweenDays(memoryless, -3, 0)).toBeCloseTo(0.1, 4);
  });
});
