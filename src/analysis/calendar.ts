// Calendar days in a time zone. Purchases are instants, but a cadence is about days as the shopper lives
// them: a basket at 21:30 in New York is that evening's trip, not the next UTC day's. Day numbers are
// whole days since 1970-01-01 on the zone's wall calendar. Offsets are looked up once per hour of UTC
// time and cached, because the analyzer converts every basket and Intl is slow.

export const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/**
 * Converts between instants and calendar days of one time zone.
 *
 * @example
 *   const clock = new DayClock("America/New_York");
 *   clock.format(clock.dayOf(new Date("2017-01-08T02:30:00Z"))); // "2017-01-07" (21:30 in New York)
 *   clock.startOf(clock.dayOf(new Date("2017-07-01T12:00:00Z")));  // 2017-07-01T04:00:00.000Z
 */
export class DayClock {
  readonly timeZone: string;
  private readonly formatter: Intl.DateTimeFormat | undefined;
  private readonly offsets = new Map<number, number>();

  /** @throws RangeError when `timeZone` is not an IANA zone name Intl knows. */
  constructor(timeZone = "UTC") {
    this.timeZone = timeZone;
    if (timeZone === "UTC") return;
    try {
      this.formatter = new Intl.DateTimeFormat("en-US", {
        timeZone,
        hourCycle: "h23",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
      });
    } catch {
      throw new RangeError(
        `timeZone: expected an IANA time zone such as "UTC" or "America/New_York", got ${JSON.stringify(timeZone)}`,
      );
    }
  }

  /** The calendar day (days since 1970-01-01 on the zone's calendar) an instant falls on. */
  dayOf(instant: Date): number {
    const ms = instant.getTime();
    return Math.floor((ms + this.offsetMs(ms)) / DAY_MS);
  }

  /** The instant a calendar day starts (its local midnight). */
  startOf(day: number): Date {
    const local = day * DAY_MS;
    // The offset at local midnight is the offset at (local − offset); one correction settles DST days.
    let utc = local - this.offsetMs(local);
    utc = local - this.offsetMs(utc);
    return new Date(utc);
  }

  /** "YYYY-MM-DD" of a calendar day. */
  format(day: number): string {
    return new Date(day * DAY_MS).toISOString().slice(0, 10);
  }

  /** Milliseconds the zone's wall clock is ahead of UTC at an instant. */
  private offsetMs(utcMs: number): number {
    if (!this.formatter) return 0;
    const hour = Math.floor(utcMs / HOUR_MS);
    let offset = this.offsets.get(hour);
    if (offset === undefined) {
      offset = wallClockMs(this.formatter, hour * HOUR_MS) - hour * HOUR_MS;
      this.offsets.set(hour, offset);
    }
    return offset;
  }
}

/** The zone's wall-clock time at an instant, read as if it were UTC. */
function wallClockMs(formatter: Intl.DateTimeFormat, utcMs: number): number {
  const parts: Record<string, number> = {};
  for (const { type, value } of formatter.formatToParts(utcMs)) parts[type] = Number(value);
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!);
}
