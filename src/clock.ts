// The service's "now": what predictions are made for, what customersDue counts from, what
// recordPurchase's "not in the future" rule compares with. The real time, unless PREDICTIONS_AS_OF
// names a day: then the process's clock reads that day's midnight (in TIME_ZONE) when the process
// started and runs on from there, so historical data (e.g. Complete Journey, 2017) is served as if
// it were current. Every part of a process gets the same function through its context; heartbeats,
// timeouts, cache lifetimes and the AI budget's month stay on real time.
import { DayClock } from "./analysis/calendar";
import type { PredictionConfig } from "./config";

/** The current time as the service sees it. */
export type Now = () => Date;

export const systemNow: Now = () => new Date();

/**
 * The clock the configuration asks for: the real one, or one set back to PREDICTIONS_AS_OF.
 *
 * @example
 *   const now = clockFor({ asOf: "2018-01-01", timeZone: "America/New_York" });
 *   now(); // 2018-01-01T05:00:00.000Z plus however long this process has been running
 */
export function clockFor({ asOf, timeZone }: Pick<PredictionConfig, "asOf" | "timeZone">): Now {
  return asOf ? clockSetTo(asOf, timeZone) : systemNow;
}

/**
 * A clock that reads the start of `day` (YYYY-MM-DD, in `timeZone`) at the moment this process
 * started. Measured from the process's start rather than from this call, so every clock a process
 * builds for the same day agrees to the millisecond.
 */
export function clockSetTo(day: string, timeZone: string): Now {
  const calendar = new DayClock(timeZone);
  const start = calendar.startOf(Date.parse(`${day}T00:00:00Z`) / 86_400_000).getTime();
  const offset = start - performance.timeOrigin;
  return () => new Date(Date.now() + offset);
}

/** "YYYY-MM-DD" of the day after the one an instant falls on, in `timeZone`. */
export function dayAfter(instant: Date, timeZone: string): string {
  const calendar = new DayClock(timeZone);
  return calendar.format(calendar.dayOf(instant) + 1);
}
