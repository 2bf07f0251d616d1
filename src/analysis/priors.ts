// Empirical-Bayes priors: what the whole population says about each category's cadence, so a customer
// with two purchases borrows strength from everyone else. The builder streams histories, reducing each
// to per-category sums at once (random-effects.ts fits them), so memory does not grow with the
// population; only a bounded, deterministic sample of histories is kept, for the customer effect and
// the quantile calibration (docs/PREDICTION.md, "Priors").
import { DayClock } from "./calendar";
import { readShoppingHistory } from "./category-series";
import {
  type CategoryPrior,
  type CustomerHistory,
  type HazardModel,
  MAX_PURCHASES,
  type PopulationPriors,
  type PurchaseRatePrior,
  type WindowLevels,
} from "./contract";
import { customerEffectBetween, NO_CUSTOMER_EFFECT, seriesDeviation } from "./customer-effect";
import { fingerprintOf, hash32 } from "./fingerprint";
import { FEATURE_COUNT, HAZARD_FEATURES } from "./hazard";
import { intervalObservations } from "./intervals";
import {
  addRateSeries,
  emptyRateSums,
  fitPooledRate,
  fitRate,
  type RateSums,
  UNINFORMED_RATE,
} from "./purchase-rate";
import { addSeries, type CategorySums, emptySums, fitCategories, UNINFORMED_PRIOR } from "./random-effects";
import { detectTripRhythm } from "./trip-rhythm";

export { UNINFORMED_PRIOR } from "./random-effects";

/**
 * The hazard before any fit: the Poisson-Gamma rate as the daily probability (logit h ≈ log rate for
 * small rates), every other signal ignored.
 */
export const UNFITTED_HAZARD: HazardModel = {
  features: [...HAZARD_FEATURES],
  coefficients: HAZARD_FEATURES.map((name) => (name === "logRate" ? 1 : 0)),
  cases: 0,
  events: 0,
  exposureDays: 0,
};

/** The window's nominal levels before calibration: the 10th and 90th percentiles. */
export const NOMINAL_WINDOW: WindowLevels = { lower: 0.1, upper: 0.9, calibratedOn: 0 };

/** Priors for a population nobody has seen yet: uninformed, the unfitted hazard. */
export const EMPTY_PRIORS: PopulationPriors = finish({
  categories: {},
  fallback: UNINFORMED_PRIOR,
  customerEffect: NO_CUSTOMER_EFFECT,
  purchaseRates: {},
  purchaseRateFallback: UNINFORMED_RATE,
  hazard: UNFITTED_HAZARD,
  window: NOMINAL_WINDOW,
});

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
  private readonly rateSums = new Map<string, RateSums>();
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
    this.addRates(history);
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
   * The hazard is the unfitted one: fitHazard (hazard-fit.ts) fits it on the sample.
   */
  build(): PopulationPriors {
    const { categories, fallback } = fitCategories(this.sums);
    const purchaseRateFallback = fitPooledRate(this.rateSums.values());
    const purchaseRates: Record<string, PurchaseRatePrior> = {};
    for (const [category, sums] of this.rateSums) {
      purchaseRates[category] = fitRate(sums, purchaseRateFallback);
    }
    const fitted = {
      categories,
      fallback,
      customerEffect: NO_CUSTOMER_EFFECT,
      purchaseRates,
      purchaseRateFallback,
      hazard: UNFITTED_HAZARD,
      window: NOMINAL_WINDOW,
    };
    const unadjusted = finish(fitted);
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
    return finish({ ...fitted, customerEffect: customerEffectBetween(deviations) });
  }

  /**
   * Purchase frequency as the analyzer sees it: in the newest MAX_PURCHASES baskets, purchase days
   * after each category's first and the days from it to the day after the customer's last basket.
   */
  private addRates(history: CustomerHistory): void {
    const { tripDays, series } = readShoppingHistory(
      history,
      this.clock,
      Number.POSITIVE_INFINITY,
      MAX_PURCHASES,
    );
    const end = tripDays[tripDays.length - 1]! + 1;
    for (const one of series) {
      if (one.days.length < 2) continue;
      let sums = this.rateSums.get(one.category);
      if (!sums) {
        sums = emptyRateSums();
        this.rateSums.set(one.category, sums);
      }
      addRateSeries(sums, one.days.length, end - one.days[0]!);
    }
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

/** The purchase-rate prior of a category, or the fallback for one the fit never saw. */
export function purchaseRateOf(priors: PopulationPriors, category: string): PurchaseRatePrior {
  return Object.hasOwn(priors.purchaseRates, category)
    ? priors.purchaseRates[category]!
    : priors.purchaseRateFallback;
}

/**
 * The same priors with another hazard model and window levels (and a new fingerprint).
 *
 * @example withHazard(priors, fitted, { lower: 0.2, upper: 0.9, calibratedOn: 31_000 })
 */
export function withHazard(
  priors: PopulationPriors,
  hazard: HazardModel,
  window: WindowLevels = priors.window,
): PopulationPriors {
  if (hazard.coefficients.length !== FEATURE_COUNT) {
    throw new RangeError(`hazard: expected ${FEATURE_COUNT} coefficients, got ${hazard.coefficients.length}`);
  }
  return finish({ ...priors, hazard, window });
}

// ---- private helpers ----

type PriorsContent = Omit<PopulationPriors, "format" | "fingerprint">;

/** Rounds (so float noise in summation order does not change the fingerprint) and fingerprints. */
function finish(priors: PriorsContent): PopulationPriors {
  const rounded: Record<string, CategoryPrior> = {};
  for (const category of Object.keys(priors.categories).sort())
    rounded[category] = roundPrior(priors.categories[category]!);
  const rates: Record<string, PurchaseRatePrior> = {};
  for (const category of Object.keys(priors.purchaseRates).sort())
    rates[category] = roundRate(priors.purchaseRates[category]!);
  const { customerEffect, hazard, window } = priors;
  const content = {
    format: 2 as const,
    categories: rounded,
    fallback: roundPrior(priors.fallback),
    customerEffect: { between: round4(customerEffect.between), customers: customerEffect.customers },
    purchaseRates: rates,
    purchaseRateFallback: roundRate(priors.purchaseRateFallback),
    hazard: {
      features: [...hazard.features],
      coefficients: hazard.coefficients.map(round6),
      cases: hazard.cases,
      events: hazard.events,
      exposureDays: hazard.exposureDays,
    },
    window: { lower: round4(window.lower), upper: round4(window.upper), calibratedOn: window.calibratedOn },
  };
  return { ...content, fingerprint: fingerprintOf(JSON.stringify(content)) };
}

function roundRate(prior: PurchaseRatePrior): PurchaseRatePrior {
  return { shape: round4(prior.shape), rate: round4(prior.rate) };
}

function round6(value: number): number {
  return Math.round(value * 1_000_000) / 1_000_000;
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
