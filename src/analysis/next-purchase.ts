// The distribution of the next purchase day as of now, from the hazard of every segment (hazard.ts):
// S(m) = P(not bought in the first m days from `fromDay`) = Π over the days before m of (1 − h). Every
// figure a prediction states is read from it, so they can never contradict each other: the predicted
// day is its median, the 80 % window two of its percentiles (fitted levels, hazard-fit.ts), the probability of buying within
// d days 1 − S, confidence the mass around the predicted day.
import {
  type CaseState,
  CURVE_DAYS,
  dayPredictors,
  logistic,
  OFF_TRIP,
  ON_TRIP,
  SEGMENTS,
  segmentIndexOf,
  staticPredictor,
  tripDaysIn,
} from "./hazard";

/** Survival below this is 0 for every figure read: the rest of the curve need not be computed. */
const NEGLIGIBLE = 1e-9;

/**
 * One case's distribution. An instance is refilled case after case (`fill`), so analysing thousands
 * of categories allocates nothing per category; read what is needed before the next fill.
 *
 * @example
 *   const next = new NextPurchase().fill(state, weights);
 *   next.quantile(0.5);                 // the median day, or undefined when it lies beyond a year
 *   next.probabilityWithin(nowDay, 7);  // P(bought on a day in [nowDay, nowDay + 7))
 */
export class NextPurchase {
  /** The first day the purchase can happen. */
  fromDay = 0;
  /** The rhythm of the case (period 0: none), to place trip days within blocks. */
  private rhythm: Pick<CaseState, "rhythmPeriod" | "rhythmAnchor"> = { rhythmPeriod: 0, rhythmAnchor: 0 };
  /**
   * Per block, log(1 − the daily hazard) on its trip days and on its other days (single days need
   * none: a day is only ever read at its start). Within a block S falls as a power of each: kept as
   * logs, a power is one multiplication, and S after j days of it one Math.exp instead of two
   * Math.pow, which cost ~50 ns each and were the analyzer's costliest operation.
   */
  private readonly logKeepOn = new Float64Array(SEGMENTS.length);
  private readonly logKeepOff = new Float64Array(SEGMENTS.length);
  /** S at each segment's start, and after the last one. */
  private readonly survival = new Float64Array(SEGMENTS.length + 1);
  /** A segment's linear predictors off and on trip days (dayPredictors), refilled per segment. */
  private readonly eta = new Float64Array(2);

  /**
   * The distribution of one case under the hazard's weights `w`, from `fromDay` on: the state's own
   * first day, or another (lapse.ts: the day after the last purchase). Another day is a parameter,
   * not a copy of the state: a copy has another hidden class, and two classes make this, the hottest
   * function of the analyzer, polymorphic (slower, and allocating).
   */
  fill(state: CaseState, w: ArrayLike<number>, fromDay = state.fromDay): this {
    this.fromDay = fromDay;
    this.rhythm = state;
    const { logKeepOn, logKeepOff, survival, eta } = this;
    const base = staticPredictor(state, w);
    // The day offset of the next trip on the rhythm, moved along segment by segment: counting a
    // segment's trips then takes one division, not tripDaysIn's two remainders for every segment.
    const period = state.rhythmPeriod;
    let nextTrip = period > 0 ? mod(state.rhythmAnchor - fromDay, period) : Number.POSITIVE_INFINITY;
    survival[0] = 1;
    let k = 0;
    for (; k < SEGMENTS.length; k++) {
      const segment = SEGMENTS[k]!;
      const end = segment.start + segment.length;
      const trips = nextTrip < end ? Math.floor((end - 1 - nextTrip) / period) + 1 : 0;
      nextTrip += trips * period;
      dayPredictors(state, fromDay, segment, w, eta);
      // A single day has the one hazard of that day, trip day or not. A block has one for its other
      // days and one for its trip days, and S falls by both. (Two call sites of logistic, not three:
      // each is then inlined, and its result never boxed.)
      const daily = segment.length === 1;
      const keep = 1 - logistic(base + eta[daily && trips ? ON_TRIP : OFF_TRIP]!);
      if (daily) {
        survival[k + 1] = survival[k]! * keep;
      } else {
        const logOff = Math.log(keep);
        const logOn = trips ? Math.log(1 - logistic(base + eta[ON_TRIP]!)) : logOff;
        logKeepOff[k] = logOff;
        logKeepOn[k] = logOn;
        survival[k + 1] = survival[k]! * keepOver(segment.length, trips, logOff, logOn);
      }
      if (survival[k + 1]! < NEGLIGIBLE) break;
    }
    // Bought by now for every purpose: the rest of the curve is 0.
    for (k++; k < SEGMENTS.length; k++) {
      logKeepOn[k] = Number.NEGATIVE_INFINITY;
      logKeepOff[k] = Number.NEGATIVE_INFINITY;
      survival[k + 1] = 0;
    }
    return this;
  }

  /** P(not bought on any of the first m days from fromDay); beyond the curve the last hazard holds. */
  survivalAfter(m: number): number {
    if (m <= 0) return 1;
    const k = segmentIndexOf(m);
    if (k >= SEGMENTS.length) {
      const last = SEGMENTS.length - 1;
      return this.survival[SEGMENTS.length]! * this.keepWithin(last, CURVE_DAYS, m - CURVE_DAYS);
    }
    const start = SEGMENTS[k]!.start;
    // At a segment boundary (the first two weeks, and 21, 28, 42 … days) nothing is to be computed.
    return m === start ? this.survival[k]! : this.survival[k]! * this.keepWithin(k, start, m - start);
  }

  /** P(bought on a day in [nowDay, nowDay + d)). */
  probabilityWithin(nowDay: number, d: number): number {
    return 1 - this.survivalAfter(nowDay + d - this.fromDay);
  }

  /** probabilityWithin(nowDay, d) for each d of `days`, into `out` (returned). */
  probabilitiesWithin(nowDay: number, days: readonly number[], out: Float64Array): Float64Array {
    for (let i = 0; i < days.length; i++) out[i] = 1 - this.survivalAfter(nowDay + days[i]! - this.fromDay);
    return out;
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
    const { start, length } = SEGMENTS[k]!;
    // Within a block S falls day by day: the first j with S(start + j + 1) ≤ target, by bisection.
    let low = 0;
    let high = length - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (survival[k]! * this.keepWithin(k, start, mid + 1) <= target) high = mid;
      else low = mid + 1;
    }
    return this.fromDay + start + low;
  }

  /** The share surviving `days` days of block k from day offset `from`. */
  private keepWithin(k: number, from: number, days: number): number {
    const trips = tripDaysIn(this.rhythm, this.fromDay + from, days);
    return keepOver(days, trips, this.logKeepOff[k]!, this.logKeepOn[k]!);
  }
}

/** The share surviving `days` days of which `trips` are trip days, from the logs of the keeps. */
function keepOver(days: number, trips: number, logOff: number, logOn: number): number {
  return Math.exp(times(days - trips, logOff) + times(trips, logOn));
}

/** n × log x, the log of x ** n: 0 when n is 0, also for x = 0 (x ** 0 is 1; 0 × −∞ is NaN). */
function times(n: number, logX: number): number {
  return n === 0 ? 0 : n * logX;
}

function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}
