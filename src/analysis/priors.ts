// Empirical-Bayes priors: what the whole population says about each category's cadence, so a customer
// with two purchases borrows strength from everyone else. The builder streams histories, reducing each
// to per-category sums at once (random-effects.ts fits them), so memory does not grow with the
// population; only a bounded, deterministic sample of histories is kept, for the customer effect and
// the quantile calibration (docs/PREDICTION.md, "Priors").
import { DayClock } from "./calendar";
import { readShoppingHistory } from "./category-series";
import {
  type CategoryPrior,
  type CustomerEffectPrior,
  type CustomerHistory,
  type PopulationPriors,
  type WindowLevels,
} from "./contract";
import { customerEffectBetween, NO_CUSTOMER_EFFECT, seriesDeviation } from "./customer-effect";
import { fingerprintOf, hash32 } from "./fingerprint";
import { intervalObservations } from "./intervals";
import { addSeries, type CategorySums, emptySums, fitCategories, UNINFORMED_PRIOR } from "./random-effects";
import { detectTripRhythm } from "./trip-rhythm";

export { UNINFORMED_PRIOR } from "./random-effects";

/** The window's nominal levels before calibration: the 10th and 90th predictive percentiles. */
export const NOMINAL_WINDOW: WindowLevels = { lower: 0.1, upper: 0.9, calibratedOn: 0 };

/** Priors for a population nobody has seen yet: uninformed, nominal levels. */
export const EMPTY_PRIORS: PopulationPriors = finish(
  {},
  UNINFORMED_PRIOR,
  NO_CUSTOMER_EFFECT,
  NOMINAL_WINDOW,
);

export interface PriorsBuilderOptions {
  /** Calendar of the purchases (default UTC). */
  timeZone?: string;
  /**
   * Newest baskets per history to fit on (default all). Long histories give the priors long cadences
   * whole: in a 20-basket window of a daily shopper, a 45-day cadence shows at most one interval.
   */
  purchasesPerHistory?: number;
  /** Histories kept for the customer effect and calibration (default 3,000), picked by customer id hash. */
  sampleSize?: number;
}

/**
 * Accumulates histories, then fits priors.
 *
 * @example
 *   const builder = new PriorsBuilder({ timeZone: "America/New_York" });
 *   for await (const history of histories) builder.add(history);
 *   const priors = builder.build(); // nominal window; see fitPopulationPriors for a calibrated one
 */
export class PriorsBuilder {
  private readonly clock: DayClock;
  private readonly purchasesPerHistory: number;
  private readonly sampleSize: number;
  private readonly sums = new Map<string, CategorySums>();
  private sampled: Array<{ key: number; history: CustomerHistory }> = [];
  private added = 0;

  constructor(options: PriorsBuilderOptions = {}) {
    this.clock = new DayClock(options.timeZone);
    this.purchasesPerHistory = options.purchasesPerHistory ?? Number.POSITIVE_INFINITY;
    this.sampleSize = options.sampleSize ?? 3_000;
  }

  /** Histories added so far. */
  get customers(): number {
    return this.added;
  }

  add(history: CustomerHistory): void {
    this.added++;
    for (const { category, observations } of this.observe(history)) {
      let sums = this.sums.get(category);
      if (!sums) {
        sums = emptySums();
        this.sums.set(category, sums);
      }
      addSeries(sums, observations.logLasted, observations.logQuantity);
    }
    this.sampled.push({ key: hash32(history.customerId), history });
    if (this.sampled.length >= 2 * this.sampleSize) this.trimSample();
  }

  /** The sampled histories (at most sampleSize), in a deterministic order. */
  sample(): CustomerHistory[] {
    this.trimSample();
    return this.sampled.map((entry) => entry.history);
  }

  /**
   * Fits the priors from everything added so far: the categories from all histories, the customer
   * effect from the sample (it needs each customer's categories side by side, after the category fit).
   */
  build(window: WindowLevels = NOMINAL_WINDOW): PopulationPriors {
    const { categories, fallback } = fitCategories(this.sums);
    const unadjusted = finish(categories, fallback, NO_CUSTOMER_EFFECT, window);
    const deviations = this.sample().map((history) =>
      this.observe(history).map(({ category, observations }) => {
        const prior = priorOf(unadjusted, category);
        const n = observations.logLasted.length;
        const latest =
          n < 2
            ? undefined
            : observations.logLasted[n - 1]! -
              prior.quantityElasticity * observations.logQuantity[n - 1]! -
              prior.mean;
        return { mean: seriesDeviation(observations, prior, NO_CUSTOMER_EFFECT).deviation, latest };
      }),
    );
    return finish(categories, fallback, customerEffectBetween(deviations), window);
  }

  /** The interval observations of each category bought on at least two days. */
  private observe(history: CustomerHistory) {
    const { tripDays, series } = readShoppingHistory(
      history,
      this.clock,
      Number.POSITIVE_INFINITY,
      this.purchasesPerHistory,
    );
    const rhythm = detectTripRhythm(tripDays);
    return series
      .filter((one) => one.days.length >= 2)
      .map((one) => ({ category: one.category, observations: intervalObservations(one, rhythm) }));
  }

  /** Bottom-k by hash: the same customers are sampled whatever order they arrive in. */
  private trimSample(): void {
    this.sampled.sort((a, b) => a.key - b.key || (a.history.customerId < b.history.customerId ? -1 : 1));
    if (this.sampled.length > this.sampleSize) this.sampled.length = this.sampleSize;
  }
}

/** The prior of a category, or the fallback for one the fit never saw. */
export function priorOf(priors: PopulationPriors, category: string): CategoryPrior {
  return Object.hasOwn(priors.categories, category) ? priors.categories[category]! : priors.fallback;
}

/**
 * The same priors with other window levels (and a new fingerprint).
 *
 * @example withWindow(priors, { lower: 0.12, upper: 0.87, calibratedOn: 1520 })
 */
export function withWindow(priors: PopulationPriors, window: WindowLevels): PopulationPriors {
  return finish(priors.categories, priors.fallback, priors.customerEffect, window);
}

// ---- private helpers ----

/** Rounds (so float noise in summation order does not change the fingerprint) and fingerprints. */
function finish(
  categories: Record<string, CategoryPrior>,
  fallback: CategoryPrior,
  customerEffect: CustomerEffectPrior,
  window: WindowLevels,
): PopulationPriors {
  const rounded: Record<string, CategoryPrior> = {};
  for (const category of Object.keys(categories).sort())
    rounded[category] = roundPrior(categories[category]!);
  const content = {
    format: 1 as const,
    categories: rounded,
    fallback: roundPrior(fallback),
    customerEffect: { between: round4(customerEffect.between), customers: customerEffect.customers },
    window: { lower: round4(window.lower), upper: round4(window.upper), calibratedOn: window.calibratedOn },
  };
  return { ...content, fingerprint: fingerprintOf(JSON.stringify(content)) };
}

function roundPrior(prior: CategoryPrior): CategoryPrior {
  return {
    mean: round4(prior.mean),
    between: round4(prior.between),
    within: round4(prior.within),
    quantityElasticity: round4(prior.quantityElasticity),
    series: prior.series,
    intervals: prior.intervals,
  };
}

function round4(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
