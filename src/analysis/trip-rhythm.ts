// A shopper's trip rhythm. Many households shop on a fixed rhythm (every Saturday, every third day):
// a need that arises on Tuesday is bought on Saturday. With a rhythm, the next purchase of a category is
// predicted on a trip day, and the observed interval is "days the purchase lasted + the wait for the
// next trip", which averages half a period. Without one (random trips, thinned data), the whole
// interval is modelled as it comes.
import { medianOf } from "./intervals";

/** Trips needed before a rhythm is believed: with fewer, a random pattern fits too easily. */
export const MIN_TRIPS_FOR_RHYTHM = 6;
/** Share of trip days that must fall on the rhythm (skips and holidays leave gaps, not stray days). */
export const RHYTHM_SHARE = 0.85;
/** Longest rhythm looked for: a fortnightly shopper. */
export const MAX_RHYTHM_DAYS = 14;
/** The median gap between trips may exceed the period by this factor (skipped trips, holidays). */
const USUAL_GAP_SLACK = 1.5;

export interface TripRhythm {
  /** Days between trips on the rhythm; undefined when the trips follow none. */
  period: number | undefined;
  /** A trip day on the rhythm (the latest): trip days are anchor + k × period. */
  anchor: number;
  /**
   * Mean wait from a need arising to the trip that buys it: period / 2 on a rhythm (the need falls
   * anywhere within a period), 0 without one (the interval model absorbs it).
   */
  expectedDelay: number;
}

export const NO_RHYTHM: TripRhythm = { period: undefined, anchor: 0, expectedDelay: 0 };

/**
 * The longest period (≤ MAX_RHYTHM_DAYS) on which at least RHYTHM_SHARE of the trip days fall and that
 * is the customer's usual gap (someone who shops every 20 days is on a 10-day grid too, but waits 20),
 * anchored at the latest trip. Period 1 (shops every day) counts only when trips are nearly daily.
 *
 * @example detectTripRhythm([0, 7, 14, 28, 35]) // too few trips: NO_RHYTHM
 * @example detectTripRhythm([0, 7, 14, 21, 35, 42, 49]) // { period: 7, anchor: 49, expectedDelay: 3.5 }
 */
export function detectTripRhythm(tripDays: readonly number[]): TripRhythm {
  const n = tripDays.length;
  if (n < MIN_TRIPS_FOR_RHYTHM) return NO_RHYTHM;
  const anchor = tripDays[n - 1]!;
  const gaps: number[] = [];
  for (let i = 1; i < n; i++) gaps.push(tripDays[i]! - tripDays[i - 1]!);
  const usualGap = medianOf(gaps);
  for (let period = MAX_RHYTHM_DAYS; period >= 2; period--) {
    if (usualGap > USUAL_GAP_SLACK * period) continue;
    let onRhythm = 0;
    for (const day of tripDays) if ((anchor - day) % period === 0) onRhythm++;
    if (onRhythm >= RHYTHM_SHARE * n) return { period, anchor, expectedDelay: period / 2 };
  }
  const span = anchor - tripDays[0]!;
  if (n - 1 >= RHYTHM_SHARE * span) return { period: 1, anchor, expectedDelay: 0.5 };
  return NO_RHYTHM;
}

/** The first trip day on the rhythm at or after `day` (fractional days round up). */
export function tripOnOrAfter(rhythm: TripRhythm, day: number): number {
  const whole = Math.ceil(day - 1e-9);
  if (rhythm.period === undefined) return whole;
  const offset = mod(whole - rhythm.anchor, rhythm.period);
  return offset === 0 ? whole : whole + rhythm.period - offset;
}

/** The last trip day on the rhythm at or before `day` (a whole day). */
export function tripOnOrBefore(rhythm: TripRhythm, day: number): number {
  if (rhythm.period === undefined) return day;
  return day - mod(day - rhythm.anchor, rhythm.period);
}

function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}
