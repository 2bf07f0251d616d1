// REFRESH_CRON: validated at start-up with croner's own parser, and a schedule whose ticks never
// overlap a refresh still running (fake timers: no waiting, no timing assertions).
import pino from "pino";
import { loadConfig } from "../../../src/config";
import { scheduleRefresh } from "../../../src/predictions/batch/refresh-schedule";

const log = pino({ level: "silent" });

describe("REFRESH_CRON", () => {
  it.each(["0 3 * * *", "@daily", "*/15 * * * *", "0 0 3 * * *"])("accepts %j", (cron) => {
    expect(loadConfig({ REFRESH_CRON: cron }).predictions.refreshCron).toBe(cron);
  });

  it("is absent when unset or empty", () => {
    expect(loadConfig({}).predictions.refreshCron).toBeUndefined();
    expect(loadConfig({ REFRESH_CRON: " " }).predictions.refreshCron).toBeUndefined();
  });

  it.each([
    ["every day", "exactly five, six, or seven space separated parts are required"],
    ["61 3 * * *", "Invalid value for minute: 61"],
    ["0 25 * * *", "Invalid value for hour: 25"],
    ["0 0 30 2 *", "this one never fires"],
  ])("refuses %j with one line naming REFRESH_CRON", (cron, reason) => {
    expect(() => loadConfig({ REFRESH_CRON: cron })).toThrow(
      new RegExp(
        `^Invalid configuration: REFRESH_CRON: expected a cron expression such as "0 3 \\* \\* \\*" .*${reason.replace(/[()]/g, "\\$&")}.* \\(got "${cron.replace(/\*/g, "\\*")}"\\)$`,
      ),
    );
  });
});

describe("scheduleRefresh", () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date("2026-01-01T00:00:00.500Z") }));
  afterEach(() => jest.useRealTimers());

  it("starts a refresh on each tick, skips ticks while one runs, and stops", async () => {
    let release: () => void = () => {};
    let starts = 0;
    const schedule = scheduleRefresh({
      cron: "* * * * * *", // every second
      timeZone: "UTC",
      log,
      start: () => {
        starts++;
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      },
    });
    expect(schedule.nextRun()).toEqual(new Date("2026-01-01T00:00:01.000Z"));
    await jest.advanceTimersByTimeAsync(1_000);
    expect(starts).toBe(1);
    await jest.advanceTimersByTimeAsync(5_000); // five ticks while the first refresh runs
    expect(starts).toBe(1);
    release();
    await jest.advanceTimersByTimeAsync(1_000);
    expect(starts).toBe(2);
    release();
    schedule.stop();
    await jest.advanceTimersByTimeAsync(5_000);
    expect(starts).toBe(2);
  });

  it("logs a failed refresh and keeps the schedule", async () => {
    let starts = 0;
    const schedule = scheduleRefresh({
      cron: "* * * * * *",
      log,
      start: async () => {
        starts++;
        throw new Error("database down");
      },
    });
    await jest.advanceTimersByTimeAsync(3_000);
    expect(starts).toBe(3);
    schedule.stop();
  });
});
