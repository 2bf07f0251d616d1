import { detectTripRhythm, NO_RHYTHM, tripOnOrAfter, tripOnOrBefore } from "../../src/analysis/trip-rhythm";

describe("detectTripRhythm", () => {
  it("finds a weekly shopper despite a skipped week and a holiday", () => {
    expect(detectTripRhythm([0, 7, 14, 28, 35, 42, 70, 77])).toEqual({
      period: 7,
      anchor: 77,
      expectedDelay: 3.5,
    });
  });

  it("finds every third day", () => {
    expect(detectTripRhythm([1, 4, 7, 10, 13, 16, 19]).period).toBe(3);
  });

  it("tolerates a stray trip, but not many", () => {
    expect(detectTripRhythm([0, 7, 14, 21, 24, 28, 35, 42]).period).toBe(7); // 7 of 8 on the rhythm
    expect(detectTripRhythm([0, 7, 10, 14, 17, 21, 24, 28])).toEqual(NO_RHYTHM);
  });

  it("does not mistake a 20-day shopper for a 10-day rhythm", () => {
    expect(detectTripRhythm([0, 20, 40, 60, 80, 100, 120])).toEqual(NO_RHYTHM);
  });

  it("needs six trips before believing in any rhythm", () => {
    expect(detectTripRhythm([0, 7, 14, 21, 28])).toEqual(NO_RHYTHM);
  });

  it("recognises a daily shopper", () => {
    expect(detectTripRhythm([0, 1, 2, 3, 4, 5, 6, 8, 9]).period).toBe(1);
  });
});

describe("trip days on a rhythm", () => {
  const weekly = { period: 7, anchor: 14, expectedDelay: 3.5 };

  it("rounds a need up to the next trip, and a day down to the last trip", () => {
    expect(tripOnOrAfter(weekly, 15.2)).toBe(21);
    expect(tripOnOrAfter(weekly, 21)).toBe(21);
    expect(tripOnOrAfter(weekly, -3)).toBe(0);
    expect(tripOnOrBefore(weekly, 20)).toBe(14);
    expect(tripOnOrBefore(weekly, 21)).toBe(21);
  });

  it("uses whole days without a rhythm", () => {
    expect(tripOnOrAfter(NO_RHYTHM, 15.2)).toBe(16);
    expect(tripOnOrBefore(NO_RHYTHM, 20)).toBe(20);
  });
});
