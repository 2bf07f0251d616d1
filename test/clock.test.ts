import { clockFor, clockSetTo, dayAfter, systemNow } from "../src/clock";

describe("the service's clock", () => {
  it("is the real time without PREDICTIONS_AS_OF", () => {
    expect(clockFor({ timeZone: "UTC" })).toBe(systemNow);
    expect(Math.abs(systemNow().getTime() - Date.now())).toBeLessThan(1_000);
  });

  it("with PREDICTIONS_AS_OF reads that day's midnight in TIME_ZONE at the process's start, then runs on", async () => {
    const now = clockFor({ asOf: "2018-01-01", timeZone: "America/New_York" });
    const uptime = Date.now() - performance.timeOrigin;
    const first = now().getTime();
    // Midnight in New York on that day is 05:00 UTC.
    expect(first - uptime).toBeGreaterThanOrEqual(Date.parse("2018-01-01T05:00:00Z") - 50);
    expect(first - uptime).toBeLessThanOrEqual(Date.parse("2018-01-01T05:00:00Z") + 50);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(now().getTime() - first).toBeGreaterThanOrEqual(25);
  });

  it("gives the same time from every clock a process builds for the same day", () => {
    const a = clockSetTo("2017-12-31", "UTC")();
    const b = clockSetTo("2017-12-31", "UTC")();
    expect(Math.abs(b.getTime() - a.getTime())).toBeLessThan(20);
  });

  it("names the day after an instant in the calendar's time zone", () => {
    // 23:30 in New York on 2017-12-30 is already 2017-12-31 in UTC.
    expect(dayAfter(new Date("2017-12-31T04:30:00Z"), "America/New_York")).toBe("2017-12-31");
    expect(dayAfter(new Date("2017-12-31T04:30:00Z"), "UTC")).toBe("2018-01-01");
  });
});
