// Complete Journey stamps each basket with the store's wall-clock date and time (the stores are in
// the US East; the CSVs were written from America/New_York timestamps). The database stores instants,
// so each stamp becomes UTC here, with the offset that applied on that day (EST or EDT).
import { DateTime } from "luxon";

export const STORE_TIME_ZONE = "America/New_York";

export type StoreTime = { utc: Date } | { problem: string };

/**
 * The UTC instant of a store wall-clock date (YYYY-MM-DD) and time (HH:MM:SS), or what is wrong with
 * them. A time in the autumn hour that happens twice is read as the second (standard-time) one, as
 * Luxon does (the CSV cannot tell them apart); a time in the spring hour that never happens is a
 * problem, not silently moved.
 *
 * @example
 *   storeTimeToUtc("2017-07-01", "12:00:00") // { utc: 2017-07-01T16:00:00.000Z } (EDT, UTC-4)
 *   storeTimeToUtc("2017-02-30", "12:00:00")
 *   // { problem: 'date/time: expected a date YYYY-MM-DD and a time HH:MM:SS in America/New_York, got "2017-02-30 12:00:00" (…)' }
 */
export function storeTimeToUtc(date: string, time: string): StoreTime {
  const local = `${date} ${time}`;
  const match = STAMP.exec(local);
  if (!match) return { problem: `${EXPECTED}, got ${JSON.stringify(local)}` };
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as Six<number>;
  // fromObject is several times faster than fromFormat, which matters at one call per line.
  const parsed = DateTime.fromObject({ year, month, day, hour, minute, second }, { zone: STORE_TIME_ZONE });
  if (!parsed.isValid) {
    return { problem: `${EXPECTED}, got ${JSON.stringify(local)} (${parsed.invalidExplanation})` };
  }
  // Luxon accepts 24:00:00 and moves times inside the spring-forward gap to the next valid hour;
  // a stamp that does not read back unchanged named no real moment in the store.
  const readBack = [parsed.year, parsed.month, parsed.day, parsed.hour, parsed.minute, parsed.second];
  if (readBack.join() !== [year, month, day, hour, minute, second].join()) {
    return {
      problem: `${EXPECTED}, got ${JSON.stringify(local)} (no such time in ${STORE_TIME_ZONE}, e.g. in the hour skipped when clocks go forward)`,
    };
  }
  return { utc: parsed.toJSDate() };
}

/**
 * The store wall-clock time of an instant, as the CSV writes it.
 *
 * @example formatStoreTime(new Date("2017-07-01T16:00:00Z")) // "2017-07-01 12:00:00"
 */
export function formatStoreTime(utc: Date): string {
  return DateTime.fromJSDate(utc, { zone: STORE_TIME_ZONE }).toFormat(FORMAT);
}

// ---- private helpers ----

const FORMAT = "yyyy-MM-dd HH:mm:ss";
const STAMP = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
const EXPECTED = `date/time: expected a date YYYY-MM-DD and a time HH:MM:SS in ${STORE_TIME_ZONE}`;

type Six<T> = [T, T, T, T, T, T];
