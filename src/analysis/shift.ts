// Moving a next-purchase distribution in time, for an analyzer that adjusts the statistical day (Claude
// on Bedrock): every figure moves with the day, so a moved day never contradicts the probabilities
// served beside it. Moved s days later, P'(within d) = P(within d − s), and 0 when d − s ≤ 0; moved
// earlier, the chance of the days that would fall before today lands on today. Readers see the moved
// distribution through its knots (PROBABILITY_DAYS) as they see any other: the median they read must
// be the adjusted day. Pure.
import { MAX_PROBABILITY_DAYS, probabilityKnots, probabilityWithinAt } from "./probability";

export interface MovedDistribution {
  /** Days moved, later when positive; fractional where the knots ask for it (see moveMedianTo). */
  shift: number;
  /** The moved distribution's P(within d) at each of PROBABILITY_DAYS. */
  probabilityWithin: number[];
}

/** Steps of the bisection for a shift: 2 × 365 days / 2⁴⁰, far below a second. */
const BISECTION_STEPS = 40;

/**
 * The median a reader of the knots finds: the first day (offset from today's day, 0 = today) by the
 * end of which the purchase has happened with probability ½; undefined when that is beyond the last
 * horizon (365 days).
 *
 * @example medianDay(prediction.probabilityWithin) // 6: P(within 6 days) < ½ ≤ P(within 7 days)
 */
export function medianDay(knots: readonly number[]): number | undefined {
  for (let d = 1; d <= MAX_PROBABILITY_DAYS; d++) {
    if (probabilityWithinAt(knots, d) >= 0.5) return d - 1;
  }
  return undefined;
}

/**
 * The knots of the distribution moved `shift` days (later when positive).
 *
 * @example shiftKnots(knots, 3) // P'(within 7) = P(within 4); P'(within 3) = 0
 */
export function shiftKnots(knots: readonly number[], shift: number): number[] {
  return probabilityKnots((d) => probabilityWithinAt(knots, d - shift));
}

/**
 * The distribution moved so that a reader finds its median on `day` (0 = today), by the shift nearest
 * `preferred` that does so. The reader interpolates between the knots, so a whole-day move of the
 * median can need a fractional shift, or a day or two more or less than the days the median moved.
 * Undefined when no shift puts the median there (the distribution never reaches ½ within a year, or
 * `day` is past the last horizon).
 *
 * @example moveMedianTo(knots, 9, 2) // { shift: 2, probabilityWithin: […] } for a median on day 7
 */
export function moveMedianTo(
  knots: readonly number[],
  day: number,
  preferred: number,
): MovedDistribution | undefined {
  if (!Number.isInteger(day) || day < 0 || day >= MAX_PROBABILITY_DAYS) return undefined;
  // within(d, s) = P'(within d) of the knots moved s days: non-increasing in s. The median is `day`
  // when P'(within day) < ½ ≤ P'(within day + 1): s at or after the first shift that brings the
  // former below ½, at or before the last that keeps the latter at ½.
  const within = (d: number, s: number) => probabilityWithinAt(shiftKnots(knots, s), d);
  const last = halfCrossing((s) => within(day + 1, s)).atHalf;
  const first = day === 0 ? -MAX_PROBABILITY_DAYS : halfCrossing((s) => within(day, s)).below;
  if (last === undefined || first === undefined || first > last) return undefined;
  const shift = Math.min(last, Math.max(first, preferred));
  const moved = shiftKnots(knots, shift);
  // The reader's interpolation is not monotone in the knots everywhere (a knot reaching 1 switches it
  // to linear): check rather than trust the bisection.
  return medianDay(moved) === day ? { shift, probabilityWithin: moved } : undefined;
}

/**
 * P(first ≤ purchase day ≤ last), days as offsets from today, from the knots.
 *
 * @example probabilityBetweenDays(knots, 6, 8) // the chance within a day of day 7
 */
export function probabilityBetweenDays(knots: readonly number[], first: number, last: number): number {
  return Math.max(0, probabilityWithinAt(knots, last + 1) - probabilityWithinAt(knots, first));
}

// ---- private helpers ----

/**
 * Where `atShift` (non-increasing) falls below ½ on shifts from −365 to 365, to within the bisection's
 * step: the last shift seen at ½ or more and the first seen below (undefined when there is none).
 */
function halfCrossing(atShift: (s: number) => number): { atHalf?: number; below?: number } {
  let [atHalf, below] = [-MAX_PROBABILITY_DAYS, MAX_PROBABILITY_DAYS];
  if (atShift(atHalf) < 0.5) return { below: atHalf };
  if (atShift(below) >= 0.5) return { atHalf: below };
  for (let i = 0; i < BISECTION_STEPS; i++) {
    const middle = (atHalf + below) / 2;
    if (atShift(middle) >= 0.5) atHalf = middle;
    else below = middle;
  }
  return { atHalf, below };
}
