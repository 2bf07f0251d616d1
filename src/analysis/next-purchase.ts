// The distribution of the next purchase day as of now, from the hazard of every segment (hazard.ts):
// S(m) = P(not bought in the first m days from `fromDay`) = Π over the days before m of (1 − h). Every
// figure a prediction states is read from it, so they can never contradict each other: the predicted
// day is its median, the 80 % window its 10th and 90th percentiles, the probability of buying within
// d days 1 − S, confidence the mass around the predicted day.
import { CURVE_DAYS, SEGMENTS, segmentIndexOf } from "./hazard";

/**
 * @example
 *   const next = new NextPurchase(nowDay, hazards);
 *   next.quantile(0.5);          // the median day, or undefined when it lies beyond a year
 *   next.probabilityWithin(nowDay, 7); // P(bought on a day in [nowDay, nowDay + 7))
 */
export class NextPurchase {
  /** S at each segment's start, and after the last one. */
  private readonly survival: Float64Array;

  constructor(
    /** The first day the purchase can happen. */
    readonly fromDay: number,
    /** The hazard of each of SEGMENTS (per day within the segment). */
    private readonly hazards: ArrayLike<number>,
  ) {
    const survival = new Float64Array(SEGMENTS.length + 1);
    survival[0] = 1;
    for (let k = 0; k < SEGMENTS.length; k++) {
      const keep = 1 - hazards[k]!;
      const length = SEGMENTS[k]!.length;
      survival[k + 1] = survival[k]! * (length === 1 ? keep : keep ** length);
    }
    this.survival = survival;
  }

  /** P(not bought on any of the first m days from fromDay); beyond the curve the last hazard holds. */
  survivalAfter(m: number): number {
    if (m <= 0) return 1;
    const k = segmentIndexOf(m);
    if (k >= SEGMENTS.length) {
      const last = SEGMENTS.length - 1;
      return this.survival[SEGMENTS.length]! * (1 - this.hazards[last]!) ** (m - CURVE_DAYS);
    }
    const segment = SEGMENTS[k]!;
    return this.survival[k]! * (1 - this.hazards[k]!) ** (m - segment.start);
  }

  /** P(bought on a day in [nowDay, nowDay + d)). */
  probabilityWithin(nowDay: number, d: number): number {
    return 1 - this.survivalAfter(nowDay + d - this.fromDay);
  }

  /** P(first ≤ day ≤ last). */
  probabilityBetween(first: number, last: number): number {
    const from = Math.max(first, this.fromDay) - this.fromDay;
    const to = last + 1 - this.fromDay;
    if (to <= from) return 0;
    return this.survivalAfter(from) - this.survivalAfter(to);
  }

  /**
   * The first day by which the purchase has happened with probability at least p; undefined when that
   * is beyond CURVE_DAYS (the customer may well have stopped buying the category).
   */
  quantile(p: number): number | undefined {
    const target = 1 - p; // the first m with S(m + 1) ≤ target
    const { survival } = this;
    if (survival[SEGMENTS.length]! > target) return undefined;
    let k = 0;
    while (survival[k + 1]! > target) k++;
    const segment = SEGMENTS[k]!;
    if (segment.length === 1) return this.fromDay + segment.start;
    // Within a block the survival falls geometrically: solve S(start)·(1 − h)^(j + 1) ≤ target.
    const keep = 1 - this.hazards[k]!;
    const j = Math.ceil(Math.log(target / survival[k]!) / Math.log(keep) - 1 - 1e-9);
    return this.fromDay + segment.start + Math.min(segment.length - 1, Math.max(0, j));
  }
}
