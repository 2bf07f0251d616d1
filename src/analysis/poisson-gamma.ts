// The Poisson-Gamma baseline of the forward exam: the memoryless per-customer rate behind Amazon's
// "Buy It Again" (Bhagat et al., KDD 2018). A customer buys a category as a Poisson process whose rate
// is drawn, per category, from a Gamma(α, β) over customers; counting only the purchase days after the
// first visible one (the first says the customer buys it, not how often), the posterior rate at T is
//   rate = (purchase days after the first + α) / (days since the first + β)
// and P(bought within d days) = 1 − e^(−rate·d). α and β come from the method of moments over the
// population before T. Pure.

import { addRate, emptyRateSums, type RateSums } from "./purchase-rate";

/** Below this many customers a category takes the pooled α, β of all categories. */
export const MIN_CATEGORY_CUSTOMERS = 10;
/**
 * The largest Gamma shape a fit may return. Where the customers' rates look no more spread out than
 * Poisson noise (estimated variance ≤ 0), everyone gets about the category's mean rate: α = 1,000
 * makes the prior worth a thousand purchases.
 */
export const MAX_SHAPE = 1_000;

/** Gamma(shape α, rate β) over customers' purchase rates (per day). */
export interface GammaPrior {
  alpha: number;
  beta: number;
}

/** What the fit needs of one customer × category: purchase days after the first, and days since it. */
export interface RateObservation {
  repeats: number;
  exposureDays: number;
}

/**
 * Method-of-moments fit, one category at a time, streaming (sums only). With rates r_i = n_i / t_i:
 * mean m = Σn / Σt; Var(λ) = mean (r_i − m)² − m · mean(1/t_i) (the spread of the observed rates minus
 * the Poisson noise each adds); α = m² / Var, β = m / Var.
 *
 * @example
 *   const fit = new PoissonGammaFit();
 *   fit.add("MILK", { repeats: 4, exposureDays: 30 });
 *   fit.build().prior("MILK"); // { alpha, beta }
 */
export class PoissonGammaFit {
  private readonly sums = new Map<string, RateSums>();
  private readonly pooled = emptyRateSums();

  add(category: string, { repeats, exposureDays }: RateObservation): void {
    if (!(exposureDays > 0) || !(repeats >= 0)) {
      throw new RangeError(
        `Poisson-Gamma: expected repeats ≥ 0 and exposure > 0 days, got ${repeats} over ${exposureDays}`,
      );
    }
    let sums = this.sums.get(category);
    if (!sums) {
      sums = emptyRateSums();
      this.sums.set(category, sums);
    }
    addRate(sums, repeats, exposureDays);
    addRate(this.pooled, repeats, exposureDays);
  }

  build(): PoissonGammaPriors {
    const pooled = momentPrior(this.pooled);
    const byCategory = new Map<string, GammaPrior>();
    for (const [category, sums] of this.sums) {
      const prior = sums.series >= MIN_CATEGORY_CUSTOMERS ? (momentPrior(sums) ?? pooled) : undefined;
      if (prior) byCategory.set(category, prior);
    }
    return new PoissonGammaPriors(byCategory, pooled);
  }
}

/** The fitted priors, by category. */
export class PoissonGammaPriors {
  constructor(
    private readonly byCategory: ReadonlyMap<string, GammaPrior>,
    /** All categories together; undefined when nothing was fitted. */
    private readonly pooled: GammaPrior | undefined,
  ) {}

  /** The category's prior, else the pooled one, else undefined (an empty population). */
  prior(category: string): GammaPrior | undefined {
    return this.byCategory.get(category) ?? this.pooled;
  }
}

/** The posterior purchase rate per day. */
export function posteriorRate(prior: GammaPrior, { repeats, exposureDays }: RateObservation): number {
  return (repeats + prior.alpha) / (exposureDays + prior.beta);
}

/** P(bought on a day in [T, T + days)) at a constant rate per day. */
export function probabilityWithinAtRate(rate: number, days: number): number {
  return 1 - Math.exp(-rate * days);
}

/**
 * The day (offset from T) holding quantile p of the waiting time: the purchase on day T + k means a
 * wait in [k, k + 1), so the quantile's day is ⌊−ln(1 − p) / rate⌋. p = 0.5 is the predicted day;
 * 0.1 and 0.9 bound the 80 % window. Infinity at rate 0.
 *
 * @example quantileDay(0.1, 0.5) // ⌊ln 2 / 0.1⌋ = 6
 */
export function quantileDay(rate: number, p: number): number {
  return rate > 0 ? Math.floor(-Math.log(1 - p) / rate) : Number.POSITIVE_INFINITY;
}

// ---- private helpers ----

/** The baseline's own estimator (as the exam defines it: no pooling, the population's spread around Σk/Σt). */
function momentPrior(s: RateSums): GammaPrior | undefined {
  if (!s.series || !(s.k > 0)) return undefined;
  const mean = s.k / s.t;
  // Σ(r − m)² / N = (Σr² − 2mΣr + N m²) / N
  const spread = (s.r2 - 2 * mean * s.r + s.series * mean * mean) / s.series;
  const variance = Math.max(spread - (mean * s.inverseT) / s.series, (mean * mean) / MAX_SHAPE);
  return { alpha: (mean * mean) / variance, beta: mean / variance };
}
