// One customer's cadence for one category: a robust, recency-weighted estimate of how long a unit lasts
// them, shrunk towards the category's population prior in proportion to how little they have shown us,
// and the spread of the next interval around it (docs/PREDICTION.md, "Customer estimate").
import type { CategoryPrior } from "./contract";
import { type IntervalObservations, medianOf } from "./intervals";

/** An interval this many intervals older than the newest weighs half as much: habits drift. */
export const RECENCY_HALF_LIFE = 6;
/** Huber's tuning constant, in units of the category's within-customer σ. */
const HUBER_K = 1.5;
/** Pseudo-intervals with which the customer's own dispersion leans on the category's. */
const DISPERSION_PRIOR_DF = 4;

export interface Cadence {
  /** Shrunk estimate of log(days one unit lasts), the quantity effect removed. */
  logPerUnit: number;
  /** Interval ∝ quantity^quantityElasticity (the category prior's). */
  quantityElasticity: number;
  /** Predictive median of log(days the last purchase lasts). */
  logLasted: number;
  /** Predictive standard deviation of that log. */
  logSd: number;
  /** n / (n + κ): how much of the estimate is the customer's own (the rest is the prior). */
  ownWeight: number;
  /** Intervals the customer has shown. */
  intervals: number;
}

/**
 * The cadence of a series with at least one interval, given the prior for this customer and category
 * (the category's, moved by the customer effect: customer-effect.ts).
 *
 * @example
 *   // five 7-day intervals of 1 unit; prior: 10 days (log 2.30) ± 0.5 between customers, σ 0.3 within:
 *   estimateCadence({ logLasted: [l7, l7, l7, l7, l7], logQuantity: [0, 0, 0, 0, 0] }, 1, prior)
 *   // { logPerUnit: 1.97 (7.2 days), ownWeight: 0.93, logSd: 0.23, … }
 */
export function estimateCadence(
  { logLasted, logQuantity }: IntervalObservations,
  lastQuantity: number,
  prior: CategoryPrior,
): Cadence {
  const n = logLasted.length;
  const beta = prior.quantityElasticity;
  // One buffer per series length, reused: this runs for every category of every customer.
  PER_UNIT[n] ??= new Float64Array(n);
  const perUnit = PER_UNIT[n];
  for (let i = 0; i < n; i++) perUnit[i] = logLasted[i]! - beta * logQuantity[i]!;
  const { weights, sumW, sumW2 } = recencyWeights(n);
  const location = huberLocation(perUnit, weights, HUBER_K * prior.within);

  const effectiveN = (sumW * sumW) / sumW2;
  const kappa = (prior.within / prior.between) ** 2;
  const ownWeight = effectiveN / (effectiveN + kappa);
  const shrunk = ownWeight * location + (1 - ownWeight) * prior.mean;

  const limit = HUBER_K * prior.within;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const r = Math.min(limit, Math.abs(perUnit[i]! - location));
    squares += r * r;
  }
  const within = Math.sqrt(
    (DISPERSION_PRIOR_DF * prior.within ** 2 + squares) / (DISPERSION_PRIOR_DF + n - 1),
  );
  return {
    logPerUnit: shrunk,
    quantityElasticity: beta,
    logLasted: shrunk + beta * Math.log(lastQuantity),
    logSd: within * Math.sqrt(1 + 1 / (effectiveN + kappa)),
    ownWeight,
    intervals: n,
  };
}

/** Recency weights for n intervals, oldest first, with their sum and sum of squares (cached per n). */
function recencyWeights(n: number): RecencyWeights {
  let cached = RECENCY_WEIGHTS[n];
  if (!cached) {
    const weights = new Float64Array(n);
    let sumW = 0;
    let sumW2 = 0;
    for (let i = 0; i < n; i++) {
      const w = 0.5 ** ((n - 1 - i) / RECENCY_HALF_LIFE);
      weights[i] = w;
      sumW += w;
      sumW2 += w * w;
    }
    cached = { weights, sumW, sumW2 };
    RECENCY_WEIGHTS[n] = cached;
  }
  return cached;
}

interface RecencyWeights {
  weights: Float64Array;
  sumW: number;
  sumW2: number;
}

/** By series length. */
const RECENCY_WEIGHTS: RecencyWeights[] = [];
/** The per-unit log-intervals of the series being estimated, by series length. */
const PER_UNIT: Float64Array[] = [];

/**
 * Weighted Huber M-estimate of location: the weighted mean, except that values further than `k` from
 * it count as if they were only `k` away. Starts from the median; a few reweighting steps are plenty
 * for ≤ 19 values.
 */
export function huberLocation(values: ArrayLike<number>, weights: ArrayLike<number>, k: number): number {
  let location = medianOf(values);
  for (let step = 0; step < 4; step++) {
    let num = 0;
    let den = 0;
    for (let i = 0; i < values.length; i++) {
      const r = Math.abs(values[i]! - location);
      const w = weights[i]! * (r <= k ? 1 : k / r);
      num += w * values[i]!;
      den += w;
    }
    location = num / den;
  }
  return location;
}
