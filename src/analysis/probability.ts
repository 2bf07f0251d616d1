// Reading a prediction's probability of purchase within any number of days from the few horizons it
// stores (PROBABILITY_DAYS). Between two stored horizons the chance of buying is spread evenly over
// the days (a constant hazard: exact for a memoryless buyer, and monotone whatever the distribution);
// where the later horizon is already certain, linearly. Pure.
import { type CategoryPrediction, PROBABILITY_DAYS } from "./contract";

/** The longest horizon a probability is stated for (the last of PROBABILITY_DAYS). */
export const MAX_PROBABILITY_DAYS = PROBABILITY_DAYS[PROBABILITY_DAYS.length - 1]!;

/** Decimals kept per stored probability (compact, and far below any difference that matters). */
const DECIMALS = 4;
const SCALE = 10 ** DECIMALS;

/**
 * P(bought on a day in [now's day, now's day + days)), for a whole number of days from 1 to 365.
 *
 * @example
 *   probabilityWithin(prediction, 7);  // the stored knot at 7
 *   probabilityWithin(prediction, 12); // between the knots at 10 and 14
 * @throws RangeError when `days` is not a whole number from 1 to 365, or the prediction does not
 *   store one probability per PROBABILITY_DAYS.
 */
export function probabilityWithin(
  prediction: Pick<CategoryPrediction, "probabilityWithin">,
  days: number,
): number {
  const { lower, upper, t } = knotSegment(days);
  const knots = prediction.probabilityWithin;
  if (knots.length !== PROBABILITY_DAYS.length) {
    throw new RangeError(
      `probabilityWithin: expected ${PROBABILITY_DAYS.length} probabilities (one per PROBABILITY_DAYS), got ${knots.length}`,
    );
  }
  if (lower === upper) return knots[upper]!;
  return between(knots[lower]!, knots[upper]!, t);
}

/**
 * P(bought within `days` days) for any real number of days, read from stored knots the way
 * probabilityWithin reads whole days: 0 at 0 days and before, a constant hazard between two stored
 * horizons (and between 0 days and the first), the last stored value beyond the last. For moving a
 * distribution by a fraction of a day (shift.ts).
 *
 * @example probabilityWithinAt(prediction.probabilityWithin, 12.5) // between the knots at 10 and 14
 */
export function probabilityWithinAt(knots: readonly number[], days: number): number {
  if (!(days > 0)) return 0;
  if (days >= MAX_PROBABILITY_DAYS) return knots[knots.length - 1]!;
  let upper = 0;
  while (PROBABILITY_DAYS[upper]! < days) upper++;
  if (PROBABILITY_DAYS[upper] === days) return knots[upper]!;
  const [a, b] = [upper ? PROBABILITY_DAYS[upper - 1]! : 0, PROBABILITY_DAYS[upper]!];
  return between(upper ? knots[upper - 1]! : 0, knots[upper]!, (days - a) / (b - a));
}

/** The probability a share `t` of the way from a knot holding `pa` to one holding `pb`. */
function between(pa: number, pb: number, t: number): number {
  const [sa, sb] = [1 - pa, 1 - pb];
  if (sb <= 0 || sa <= 0) return pa + t * (pb - pa);
  return 1 - sa ** (1 - t) * sb ** t;
}

/** Where a number of days falls among PROBABILITY_DAYS (see knotSegment). */
export interface KnotSegment {
  /** Index of the knot at or before `days` (equal to `upper` at a knot, and before the first). */
  lower: number;
  /** Index of the knot at or after `days`. */
  upper: number;
  /** How far `days` lies from the lower knot towards the upper one: 0 at a knot, below 1 between. */
  t: number;
}

/**
 * The knots probabilityWithin interpolates between for `days`. Exported so a reader that cannot call
 * probabilityWithin (the database ranking customersDue) interpolates between the same knots with
 * the same t.
 *
 * @example knotSegment(7);  // { lower: 6, upper: 6, t: 0 }
 *          knotSegment(12); // { lower: 7, upper: 8, t: 0.5 } (between the knots at 10 and 14)
 * @throws RangeError when `days` is not a whole number from 1 to 365.
 */
export function knotSegment(days: number): KnotSegment {
  if (!Number.isInteger(days) || days < 1 || days > MAX_PROBABILITY_DAYS) {
    throw new RangeError(`days: expected a whole number from 1 to ${MAX_PROBABILITY_DAYS}, got ${days}`);
  }
  let upper = 0;
  while (PROBABILITY_DAYS[upper]! < days) upper++;
  if (PROBABILITY_DAYS[upper] === days || upper === 0) return { lower: upper, upper, t: 0 };
  const [a, b] = [PROBABILITY_DAYS[upper - 1]!, PROBABILITY_DAYS[upper]!];
  return { lower: upper - 1, upper, t: (days - a) / (b - a) };
}

/**
 * The stored knots from a distribution: `within(d, i)` = P(bought within d days) at each d =
 * PROBABILITY_DAYS[i], as storedKnots makes them.
 *
 * @example
 *   probabilityKnots((d) => 1 - Math.exp(-d / 10)); // [0.0952, 0.1813, …, 1]
 */
export function probabilityKnots(within: (days: number, index: number) => number): number[] {
  const raw = new Float64Array(PROBABILITY_DAYS.length);
  for (let i = 0; i < raw.length; i++) raw[i] = within(PROBABILITY_DAYS[i]!, i);
  return storedKnots(raw);
}

/**
 * The stored knots from the probabilities at each of PROBABILITY_DAYS (`raw[i]` for
 * PROBABILITY_DAYS[i]): clamped to 0–1, made non-decreasing (rounding must never make a longer
 * horizon less likely) and rounded to 4 decimals. The analyzer's way, as it makes these for every
 * category: from numbers already in an array, none returned one call at a time (and boxed).
 *
 * @example storedKnots([0.123456, 0.1, …]) // [0.1235, 0.1235, …]
 */
export function storedKnots(raw: ArrayLike<number>): number[] {
  // Sized up front: one array per prediction, its elements assigned in place.
  const knots = new Array<number>(PROBABILITY_DAYS.length);
  let floor = 0;
  for (let i = 0; i < knots.length; i++) {
    const p = Math.min(1, Math.max(floor, raw[i]! || 0));
    floor = Math.round(p * SCALE) / SCALE;
    knots[i] = floor;
  }
  return knots;
}
