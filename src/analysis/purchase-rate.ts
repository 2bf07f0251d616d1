// Purchase frequency, the signal Poisson-Gamma (the memoryless per-customer rate behind "Buy It Again")
// is built on: a customer's purchase days of a category arrive at their own rate λ, and rates across
// customers follow a Gamma(shape, rate) prior per category. The posterior mean after k purchase days
// in t days is (k + shape) / (t + rate): the customer's own frequency, shrunk towards the category's
// in proportion to how little they have shown. Shape and rate are fitted by the method of moments on
// the population, streaming (a handful of sums per category).
import type { PurchaseRatePrior } from "./contract";

/** Sums over series of one category: k = purchase days after the first, t = days since the first. */
export interface RateSums {
  series: number;
  /** Σk, Σt, Σ(k/t), Σ(k/t)², Σ(1/t) */
  k: number;
  t: number;
  r: number;
  r2: number;
  inverseT: number;
}

export function emptyRateSums(): RateSums {
  return { series: 0, k: 0, t: 0, r: 0, r2: 0, inverseT: 0 };
}

/** Adds one series: `days` purchase days (≥ 2), the first `span` days before the end of observation. */
export function addRateSeries(sums: RateSums, days: number, span: number): void {
  if (days < 2 || span < 1) return;
  addRate(sums, days - 1, span);
}

/**
 * Adds one customer's `k` purchases over `t` days (t > 0) to the moment sums: the analyzer's rate
 * feature and the exam's Poisson-Gamma baseline both fit from these.
 */
export function addRate(sums: RateSums, k: number, t: number): void {
  const rate = k / t;
  sums.series++;
  sums.k += k;
  sums.t += t;
  sums.r += rate;
  sums.r2 += rate * rate;
  sums.inverseT += 1 / t;
}

/** Shape and rate for a population nobody has seen yet: one purchase day a fortnight, loosely known. */
export const UNINFORMED_RATE: PurchaseRatePrior = { shape: 1, rate: 14 };

/**
 * Gamma(shape, rate) of per-day purchase rates by moments: mean m = Σk/Σt; the spread of the
 * customers' own rates k/t, less what Poisson counting alone puts there (m · mean(1/t)), is the
 * variance v of the true rates; shape = m²/v, rate = m/v. A category with little data leans on the
 * pooled fit with `pseudoSeries` series' weight.
 *
 * @example fitRate(sums, pooled) // { shape: 1.8, rate: 31 }: a purchase day every 17 days on average
 */
export function fitRate(sums: RateSums, pooled: PurchaseRatePrior, pseudoSeries = 10): PurchaseRatePrior {
  if (sums.series < 2 || sums.t <= 0) return pooled;
  const mean = sums.k / sums.t;
  const n = sums.series;
  const rateMean = sums.r / n;
  const spread = Math.max(0, sums.r2 / n - rateMean * rateMean) * (n / (n - 1));
  const pooledMean = pooled.shape / pooled.rate;
  const pooledVariance = pooled.shape / pooled.rate ** 2;
  const own = Math.max(spread - mean * (sums.inverseT / n), (mean * mean) / 1_000);
  // Lean on the pooled fit on the scale of the moments themselves.
  const w = n / (n + pseudoSeries);
  const m = w * mean + (1 - w) * pooledMean;
  const v = w * own + (1 - w) * pooledVariance;
  return { shape: (m * m) / v, rate: m / v };
}

/** All categories' sums added up. */
export function mergeRateSums(all: Iterable<RateSums>): RateSums {
  const total = emptyRateSums();
  for (const s of all) {
    total.series += s.series;
    total.k += s.k;
    total.t += s.t;
    total.r += s.r;
    total.r2 += s.r2;
    total.inverseT += s.inverseT;
  }
  return total;
}

/** The pooled fit (for categories never seen, and for the lean), from every category's sums. */
export function fitPooledRate(all: Iterable<RateSums>): PurchaseRatePrior {
  const total = mergeRateSums(all);
  return total.series >= 2 ? fitRate(total, UNINFORMED_RATE, 0) : UNINFORMED_RATE;
}
