// The customer effect: a household that runs through milk fast tends to run through bread and eggs fast
// too (more people at home; on thinned records, more of its shopping recorded). The model adds a
// customer-wide term to every category:
//
//   log days-per-unit of customer c in category k = μ_k + a_c + b_ck,   a_c ~ N(0, τ_a²), b_ck ~ N(0, τ_b,k²)
//
// with τ_b,k² = τ_k² − τ_a². The effect is estimated from the customer's *other* categories, so a
// category with two purchases borrows from a customer's twenty milk runs, not only from strangers.
import type { CategoryPrior, CustomerEffectPrior } from "./contract";
import type { IntervalObservations } from "./intervals";

/** No effect: every category is on its own (priors fitted on too few customers to tell). */
export const NO_CUSTOMER_EFFECT: CustomerEffectPrior = { between: 0, customers: 0 };

/** Floor for the category-specific spread that remains once the customer effect is taken out. */
const MIN_CATEGORY_BETWEEN = 0.05;

/** How far a customer's series sits from its category's mean, and how noisy that is. */
export interface SeriesDeviation {
  deviation: number;
  /** Variance of `deviation` around a_c: τ_b,k² + σ_k² / intervals. */
  variance: number;
}

/**
 * @example seriesDeviation({ logLasted: [2, 2.2], logQuantity: [0, 0] }, { ...prior, mean: 2 }, effect).deviation // 0.1
 */
export function seriesDeviation(
  { logLasted, logQuantity }: IntervalObservations,
  prior: CategoryPrior,
  effect: CustomerEffectPrior,
): SeriesDeviation {
  let sum = 0;
  for (let i = 0; i < logLasted.length; i++)
    sum += logLasted[i]! - prior.quantityElasticity * logQuantity[i]!;
  return {
    deviation: sum / logLasted.length - prior.mean,
    variance: categoryBetween(prior, effect) ** 2 + prior.within ** 2 / logLasted.length,
  };
}

/**
 * Each series' prior moved by the customer effect estimated from the customer's other series (a normal
 * posterior: leave-one-out, so a series is never its own evidence twice), and widened by what is
 * still unknown about it.
 *
 * @example
 *   // milk and bread both 30 % faster than their categories; what is eggs' prior for this customer?
 *   personalPriors([milk, bread, eggs].map(…), [milkPrior, breadPrior, eggsPrior], effect)[2].mean // < eggsPrior.mean
 */
export function personalPriors(
  deviations: readonly SeriesDeviation[],
  priors: readonly CategoryPrior[],
  effect: CustomerEffectPrior,
): CategoryPrior[] {
  if (!(effect.between > 0)) return [...priors];
  let weighted = 0;
  let precision = 0;
  for (const { deviation, variance } of deviations) {
    weighted += deviation / variance;
    precision += 1 / variance;
  }
  const priorPrecision = 1 / effect.between ** 2;
  return priors.map((prior, k) => {
    const own = deviations[k]!;
    const othersPrecision = priorPrecision + precision - 1 / own.variance;
    const effectMean = (weighted - own.deviation / own.variance) / othersPrecision;
    return {
      ...prior,
      mean: prior.mean + effectMean,
      between: Math.sqrt(categoryBetween(prior, effect) ** 2 + 1 / othersPrecision),
    };
  });
}

/** One category of one customer, for estimating the customer effect. */
export interface CategoryDeviations {
  /** Mean of all its intervals minus the category mean (log scale). */
  mean: number;
  /** Its latest interval minus the category mean; undefined with a single interval. */
  latest: number | undefined;
}

/**
 * τ_a as what it is used for: the covariance between a customer's latest interval in one category and
 * their mean deviation in each other category, E[d_latest,k · d̄_k'] = τ_a² for k ≠ k'. (Covariances of
 * whole series within one window would also pick up the window itself: a short window squeezes every
 * category's intervals at once, which says nothing about the next one.)
 *
 * @example
 *   customerEffectBetween([[{ mean: 0.3, latest: 0.4 }, { mean: 0.2, latest: 0.1 }]]) // { between: 0.235, customers: 1 }
 */
export function customerEffectBetween(
  byCustomer: ReadonlyArray<readonly CategoryDeviations[]>,
): CustomerEffectPrior {
  let products = 0;
  let pairs = 0;
  let customers = 0;
  for (const categories of byCustomer) {
    if (categories.length < 2) continue;
    let sumOfMeans = 0;
    for (const { mean } of categories) sumOfMeans += mean;
    let counted = false;
    for (const { mean, latest } of categories) {
      if (latest === undefined) continue;
      products += latest * (sumOfMeans - mean);
      pairs += categories.length - 1;
      counted = true;
    }
    if (counted) customers++;
  }
  if (!pairs) return NO_CUSTOMER_EFFECT;
  return { between: Math.sqrt(Math.max(0, products / pairs)), customers };
}

/** τ_b,k: the category's between-customer spread left once the customer effect is taken out. */
function categoryBetween(prior: CategoryPrior, effect: CustomerEffectPrior): number {
  return Math.sqrt(Math.max(MIN_CATEGORY_BETWEEN ** 2, prior.between ** 2 - effect.between ** 2));
}
