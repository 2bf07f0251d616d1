import { DayClock } from "../../src/analysis/calendar";

describe("DayClock", () => {
  const newYork = new DayClock("America/New_York");

  it("puts an instant on the zone's calendar day", () => {
    // 02:30 UTC on January 8th is 21:30 on January 7th in New York (UTC−5).
    expect(newYork.format(newYork.dayOf(new Date("2017-01-08T02:30:00Z")))).toBe("2017-01-07");
    expect(new DayClock().format(new DayClock().dayOf(new Date("2017-01-08T02:30:00Z")))).toBe("2017-01-08");
  });

  it("starts a day at the zone's midnight, in summer and in winter", () => {
    expect(newYork.startOf(newYork.dayOf(new Date("2017-07-01T12:00:00Z")))).toEqual(
      new Date("2017-07-01T04:00:00Z"),
    );
    expect(newYork.startOf(newYork.dayOf(new Date("2017-12-01T12:00:00Z")))).toEqual(
      new Date("2017-12-01T05:00:00Z"),
    );
  });

  it("keeps day numbers consecutive across the clock changes", () => {
    // 2017-03-12 (spring forward) and 2017-11-05 (fall back) have 23 and 25 hours in New York.
    for (const date of ["2017-03-11", "2017-03-12", "2017-11-04", "2017-11-05"]) {
      const day = newYork.dayOf(new Date(`${date}T15:00:00Z`));
      expect(newYork.format(day)).toBe(date);
      expect(newYork.dayOf(newYork.startOf(day + 1))).toBe(day + 1);
      expect(newYork.dayOf(new Date(newYork.startOf(day + 1).getTime() - 1))).toBe(day);
    }
  });

  it("rejects an unknown zone, saying what it expected", () => {
    expect(() => new DayClock("Europe/Atlantis")).toThrow(
      'timeZone: expected an IANA time zone such as "UTC" or "America/New_York", got "Europe/Atlantis"',
    );
  });
});
