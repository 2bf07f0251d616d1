// Intervals of one category series, as the model sees them: how long each purchase lasted before the
// next need arose, on the log scale, next to the log of the quantity that purchase brought home. The
// model is log(lasted) = quantityElasticity × log(quantity) + log(days per unit) + noise, so buying
// twice as much predicts (up to) twice as long.
import type { CategorySeries } from "./category-series";
import type { TripRhythm } from "./trip-rhythm";

/**
 * A purchase lasted at least this share of the observed interval: the wait for a trip can be
 * subtracted only so far (a purchase on an off-rhythm day would otherwise "last" zero days).
 */
const MIN_LASTED_SHARE = 0.25;
/** Log-intervals further than this from the series' median are pulled in to it (a factor of 4). */
export const OUTLIER_LOG_DISTANCE = Math.log(4);

export interface IntervalObservations {
  /** log(days the purchase lasted): interval minus the expected wait for a trip. */
  logLasted: number[];
  /** log(units bought at the start of the interval). */
  logQuantity: number[];
}

/**
 * The observations of a series with at least two purchase days, oldest first, outliers pulled in.
 *
 * @example
 *   // bought on days 0, 7, 21 (1, 2, 1 units), no trip rhythm:
 *   intervalObservations(series, NO_RHYTHM) // { logLasted: [log 7, log 14], logQuantity: [0, log 2] }
 */
export function intervalObservations(series: CategorySeries, rhythm: TripRhythm): IntervalObservations {
  const { days, quantities } = series;
  const n = days.length - 1;
  const logLasted = new Array<number>(n);
  const logQuantity = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const interval = days[i + 1]! - days[i]!;
    logLasted[i] = Math.log(Math.max(interval - rhythm.expectedDelay, MIN_LASTED_SHARE * interval));
    logQuantity[i] = Math.log(quantities[i]!);
  }
  if (n >= 3) pullInOutliers(logLasted);
  return { logLasted, logQuantity };
}

/**
 * Clips values to median ± OUTLIER_LOG_DISTANCE in place: a one-off 60-day gap (a holiday, a stay in
 * hospital) among weekly intervals says little about next week.
 */
function pullInOutliers(values: number[]): void {
  const median = medianOf(values);
  const low = median - OUTLIER_LOG_DISTANCE;
  const high = median + OUTLIER_LOG_DISTANCE;
  for (let i = 0; i < values.length; i++) values[i] = Math.min(high, Math.max(low, values[i]!));
}

let sortBuffer = new Float64Array(64);

/**
 * Median of a small array (an insertion-sorted copy: the arrays here hold about 20 values). The copy
 * is one buffer reused by every call, as the analyzer takes several medians per category.
 */
export function medianOf(values: ArrayLike<number>): number {
  const n = values.length;
  if (n > sortBuffer.length) sortBuffer = new Float64Array(Math.max(n, 2 * sortBuffer.length));
  const sorted = sortBuffer;
  for (let i = 0; i < n; i++) {
    const value = values[i]!;
    let j = i - 1;
    while (j >= 0 && sorted[j]! > value) {
      sorted[j + 1] = sorted[j]!;
      j--;
    }
    sorted[j + 1] = value;
  }
  const mid = n >> 1;
  return n % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
