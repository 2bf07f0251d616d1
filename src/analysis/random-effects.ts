// The method-of-moments fit behind the priors: a random-effects model of log days-per-unit per
// category (docs/PREDICTION.md, "Priors"):
//
//   y_ci = β_k·x_ci + m_c + e_ci,   m_c ~ N(μ_k, τ_k²),   e_ci ~ N(0, σ_k²)
//
// y = log(days a purchase lasted), x = log(units bought), c = customer, i = interval (oldest first).
// β_k is estimated within customers; μ_k and σ_k by the one-way ANOVA. τ_k² is estimated as what it is
// used for: the covariance between a customer's latest interval and the mean of their earlier ones,
// E[(u_last − μ)(ū_earlier − μ)] = τ² when the model holds. Where histories are thinned or habits
// drift, a customer's past says less about their next interval than the spread between customers
// suggests, and this estimate (unlike the ANOVA's) knows it. Each series is reduced to sums at once;
// every estimate is a closed form of those sums, so memory does not grow with the population.
import type { CategoryPrior } from "./contract";

/**
 * Priors for a population nobody has seen yet (an empty database): a fortnightly cadence, known
 * loosely, so a customer's own intervals quickly dominate.
 */
export const UNINFORMED_PRIOR: CategoryPrior = {
  mean: 2.6391, // log 14, rounded as fitted priors are
  between: 1,
  within: 0.6,
  quantityElasticity: 0.5,
  series: 0,
  intervals: 0,
};

/** Per-category sums (weights n_c = intervals of series c; bars are series means). */
export interface CategorySums {
  series: number;
  /** Σ n_c, Σ n_c² */
  n: number;
  n2: number;
  /** Σ n_c ȳ_c, Σ n_c x̄_c (that is, Σ y and Σ x) */
  sy: number;
  sx: number;
  /** Between series: Σ n_c ȳ_c², Σ n_c x̄_c ȳ_c, Σ n_c x̄_c² */
  byy: number;
  bxy: number;
  bxx: number;
  /** Within series: Σ (y − ȳ_c)², Σ (x − x̄_c)(y − ȳ_c), Σ (x − x̄_c)² */
  wyy: number;
  wxy: number;
  wxx: number;
  /** Series with at least two intervals: their count, then sums over them of the latest interval (L)
   * and the mean of the earlier ones (E): Σ y_L, Σ x_L, Σ ȳ_E, Σ x̄_E, and the four cross products. */
  pairs: number;
  ly: number;
  lx: number;
  ey: number;
  ex: number;
  lyEy: number;
  lyEx: number;
  lxEy: number;
  lxEx: number;
}

export function emptySums(): CategorySums {
  return {
    series: 0,
    n: 0,
    n2: 0,
    sy: 0,
    sx: 0,
    byy: 0,
    bxy: 0,
    bxx: 0,
    wyy: 0,
    wxy: 0,
    wxx: 0,
    pairs: 0,
    ly: 0,
    lx: 0,
    ey: 0,
    ex: 0,
    lyEy: 0,
    lyEx: 0,
    lxEy: 0,
    lxEx: 0,
  };
}

/** Adds one series: its log-lasted values and log quantities, oldest first. */
export function addSeries(sums: CategorySums, ys: readonly number[], xs: readonly number[]): void {
  const n = ys.length;
  let sy = 0;
  let sx = 0;
  for (let i = 0; i < n; i++) {
    sy += ys[i]!;
    sx += xs[i]!;
  }
  const my = sy / n;
  const mx = sx / n;
  sums.series++;
  sums.n += n;
  sums.n2 += n * n;
  sums.sy += sy;
  sums.sx += sx;
  sums.byy += n * my * my;
  sums.bxy += n * mx * my;
  sums.bxx += n * mx * mx;
  for (let i = 0; i < n; i++) {
    const dy = ys[i]! - my;
    const dx = xs[i]! - mx;
    sums.wyy += dy * dy;
    sums.wxy += dx * dy;
    sums.wxx += dx * dx;
  }
  if (n < 2) return;
  const yL = ys[n - 1]!;
  const xL = xs[n - 1]!;
  const yE = (sy - yL) / (n - 1);
  const xE = (sx - xL) / (n - 1);
  sums.pairs++;
  sums.ly += yL;
  sums.lx += xL;
  sums.ey += yE;
  sums.ex += xE;
  sums.lyEy += yL * yE;
  sums.lyEx += yL * xE;
  sums.lxEy += xL * yE;
  sums.lxEx += xL * xE;
}

export interface FittedCategories {
  categories: Record<string, CategoryPrior>;
  /** For categories never seen: the fit of all categories pooled. */
  fallback: CategoryPrior;
}

/**
 * Fits every category: β_k within customers (leaning on the pooled β), then μ_k, τ_k, σ_k by moments,
 * each leaning on population-wide values when the category has little data.
 */
export function fitCategories(byCategory: ReadonlyMap<string, CategorySums>): FittedCategories {
  const pooled = mergeSums(byCategory.values());
  if (!pooled.series) return { categories: {}, fallback: UNINFORMED_PRIOR };
  const pooledElasticity =
    pooled.wxx > 0 ? clamp(pooled.wxy / pooled.wxx, 0, 1) : UNINFORMED_PRIOR.quantityElasticity;
  const elasticities = new Map<string, number>();
  for (const [category, sums] of byCategory) {
    const ridge =
      (sums.wxy + ELASTICITY_PRIOR_WEIGHT * pooledElasticity) / (sums.wxx + ELASTICITY_PRIOR_WEIGHT);
    elasticities.set(category, clamp(ridge, 0, 1));
  }

  // For a category never seen, the pooled fit: its ANOVA τ includes how categories differ, as it must.
  const fallback = momentFit(pooled, pooledElasticity, UNINFORMED_PRIOR);
  // For a category seen little, its τ leans on the typical within-category predictive covariance.
  let covariances = 0;
  let pairs = 0;
  for (const [category, sums] of byCategory) {
    covariances += predictiveCovariance(sums, elasticities.get(category)!) * sums.pairs;
    pairs += sums.pairs;
  }
  const typicalBetween = pairs ? Math.sqrt(Math.max(0, covariances / pairs)) : fallback.between;
  const hyper = { ...fallback, between: Math.max(MIN_BETWEEN, typicalBetween) };

  const categories: Record<string, CategoryPrior> = {};
  for (const category of [...byCategory.keys()].sort()) {
    const sums = byCategory.get(category)!;
    const beta = elasticities.get(category)!;
    const anova = momentFit(sums, beta, hyper);
    const ownPairs = sums.pairs / (sums.pairs + HYPER_PRIOR_WEIGHT);
    const betweenVar = sums.pairs ? Math.max(0, predictiveCovariance(sums, beta)) : 0;
    categories[category] = {
      ...anova,
      between: Math.max(MIN_BETWEEN, Math.sqrt(ownPairs * betweenVar + (1 - ownPairs) * hyper.between ** 2)),
    };
  }
  return { categories, fallback };
}

// ---- private helpers ----

/**
 * Pseudo-series (for μ, τ) or pseudo-degrees of freedom (for σ) with which a category's
 * hyperparameters lean on the population-wide ones: a category seen in 10 customers' histories is half
 * its own, half everyone's.
 */
const HYPER_PRIOR_WEIGHT = 10;
/**
 * Pseudo "Σ(x − x̄)²" with which a category's quantity elasticity leans on the population-wide one:
 * about 20 intervals where the customer bought 1 vs 2 units.
 */
const ELASTICITY_PRIOR_WEIGHT = 2;
/** Floors that keep shrinkage and windows finite when a category looks perfectly regular. */
const MIN_BETWEEN = 0.05;
const MIN_WITHIN = 0.05;

function mergeSums(all: Iterable<CategorySums>): CategorySums {
  const total = emptySums();
  for (const sums of all) {
    for (const key of Object.keys(total) as Array<keyof CategorySums>) total[key] += sums[key];
  }
  return total;
}

/**
 * Mean over series of (u_L − μ)(ū_E − μ), u = y − β·x, μ the category mean: how much a customer's
 * earlier intervals tell about their latest.
 */
function predictiveCovariance(s: CategorySums, beta: number): number {
  if (!s.pairs) return 0;
  const mean = (s.sy - beta * s.sx) / s.n;
  const products = s.lyEy - beta * (s.lyEx + s.lxEy) + beta * beta * s.lxEx;
  const latest = s.ly - beta * s.lx;
  const earlier = s.ey - beta * s.ex;
  return (products - mean * (latest + earlier) + s.pairs * mean * mean) / s.pairs;
}

/**
 * μ, τ, σ for a given β (unbalanced one-way ANOVA on u = y − β·x): σ² from the within-series squares,
 * τ² from the between-series squares net of what σ² explains. Each leans on `hyper` in proportion to
 * how little data the category has.
 */
function momentFit(s: CategorySums, beta: number, hyper: CategoryPrior): CategoryPrior {
  const b2 = beta * beta;
  const mean = (s.sy - beta * s.sx) / s.n;
  const withinSs = s.wyy - 2 * beta * s.wxy + b2 * s.wxx;
  const withinDf = s.n - s.series;
  const betweenSs = s.byy - 2 * beta * s.bxy + b2 * s.bxx - s.n * mean * mean;
  const withinVar = withinDf > 0 ? Math.max(withinSs / withinDf, 0) : hyper.within ** 2;
  const effectiveN = s.n - s.n2 / s.n;
  const betweenVar =
    s.series > 1 && effectiveN > 0
      ? Math.max((betweenSs - (s.series - 1) * withinVar) / effectiveN, 0)
      : hyper.between ** 2;

  const ownSeries = s.series / (s.series + HYPER_PRIOR_WEIGHT);
  const ownDf = withinDf / (withinDf + HYPER_PRIOR_WEIGHT);
  return {
    mean: ownSeries * mean + (1 - ownSeries) * hyper.mean,
    between: Math.max(MIN_BETWEEN, Math.sqrt(ownSeries * betweenVar + (1 - ownSeries) * hyper.between ** 2)),
    within: Math.max(MIN_WITHIN, Math.sqrt(ownDf * withinVar + (1 - ownDf) * hyper.within ** 2)),
    quantityElasticity: beta,
    series: s.series,
    intervals: s.n,
  };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
