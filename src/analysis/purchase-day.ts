// The predictive distribution of the next purchase day. The need arises at
//   need = lastDay + exp(N(logLasted, logSd²))
// and is bought on the first trip at or after it (on a trip rhythm), or on the nearest whole day
// (without one). It has not been bought before `now`'s day, so quantiles and confidence are taken from
// that distribution conditioned on "day ≥ now": nothing is ever predicted in the past.
import type { Cadence } from "./cadence";
import { normalCdf, normalQuantile } from "./normal";
import { type TripRhythm, tripOnOrAfter, tripOnOrBefore } from "./trip-rhythm";

/** Probabilities closer to 0 or 1 than this are clamped before Φ⁻¹. */
const EPSILON = 1e-12;

/**
 * Purchase-day distribution of one category, conditioned on not having been bought before `fromDay`.
 *
 * @example
 *   const days = new PurchaseDayDistribution(lastDay, cadence, rhythm, nowDay);
 *   days.quantile(0.5); // the predicted day
 *   days.probabilityBetween(first, last); // P(first ≤ day ≤ last | day ≥ nowDay)
 */
export class PurchaseDayDistribution {
  /** P(day < fromDay), unconditionally. */
  private readonly before: number;

  constructor(
    readonly lastDay: number,
    private readonly cadence: Cadence,
    private readonly rhythm: TripRhythm,
    /** The first day the purchase can still happen (now's day). */
    readonly fromDay: number,
  ) {
    this.before = this.cdf(fromDay - 1);
  }

  /** The unconditional median day: what "expected" means when deciding whether a need is overdue. */
  unconditionalMedian(): number {
    return this.dayOfNeed(this.lastDay + Math.exp(this.cadence.logLasted));
  }

  /** The first day the purchase can still happen: fromDay, or the first trip on the rhythm after it. */
  earliestDay(): number {
    return Math.max(this.fromDay, this.dayOfNeed(this.fromDay));
  }

  /** The day at predictive quantile p (0 < p < 1), given the purchase is on or after fromDay. */
  quantile(p: number): number {
    const target = clampProbability(this.before + p * (1 - this.before));
    const need =
      this.lastDay + Math.exp(this.cadence.logLasted + this.cadence.logSd * normalQuantile(target));
    return Math.max(this.fromDay, this.dayOfNeed(need));
  }

  /** P(first ≤ day ≤ last), given the purchase is on or after fromDay. */
  probabilityBetween(first: number, last: number): number {
    const remaining = 1 - this.before;
    if (remaining <= EPSILON) return 0;
    const low = Math.max(first, this.fromDay) - 1;
    if (last <= low) return 0;
    return Math.max(0, this.cdf(last) - this.cdf(low)) / remaining;
  }

  /**
   * P(bought on a day in [nowDay, nowDay + d)) for each d, given the purchase is on or after fromDay
   * (one CDF evaluation per horizon).
   */
  probabilityWithinDays(nowDay: number, horizons: readonly number[]): number[] {
    const remaining = 1 - this.before;
    return horizons.map((d) =>
      remaining <= EPSILON ? 0 : Math.max(0, this.cdf(nowDay + d - 1) - this.before) / remaining,
    );
  }

  /** P(day ≤ d), unconditionally. */
  private cdf(d: number): number {
    if (d <= this.lastDay) return 0; // bought at the earliest the day after the last purchase
    const latestNeed = this.latestNeedBoughtBy(d);
    const lasted = latestNeed - this.lastDay;
    if (lasted <= 0) return 0;
    return normalCdf((Math.log(lasted) - this.cadence.logLasted) / this.cadence.logSd);
  }

  /** The purchase day a need at (fractional) day `need` leads to. */
  private dayOfNeed(need: number): number {
    const day = this.rhythm.period === undefined ? Math.round(need) : tripOnOrAfter(this.rhythm, need);
    return Math.max(this.lastDay + 1, day);
  }

  /** The latest need that is bought on or before day d: the inverse of dayOfNeed. */
  private latestNeedBoughtBy(d: number): number {
    return this.rhythm.period === undefined ? d + 0.5 : tripOnOrBefore(this.rhythm, d);
  }
}

function clampProbability(p: number): number {
  return Math.min(1 - EPSILON, Math.max(EPSILON, p));
}
