// The analyzer contract: what goes in (a customer's recent baskets), what comes out (per category, when
// the customer will next need it, with an 80 % window and a reason), and the population priors that
// carry what the whole customer base knows into each customer's estimate. Every analyzer (the embedded
// statistical one, later a Bedrock/Claude one) implements `Analyzer`. Plain data only: no classes, no
// I/O, so histories and priors can come from any source and priors can be stored as JSON.

/** One product line of a basket, as the analyzer needs it. */
export interface HistoryItem {
  /** The retailer's product key (Product.sku). */
  sku: string;
  /** Shown in reasons and in the customer's usual products. */
  productName: string;
  /** Predictions are per category, so a brand switch within it changes nothing. */
  category: string;
  /** Units bought (> 0; may be fractional, e.g. pounds). */
  quantity: number;
}

/** One basket. */
export interface HistoryPurchase {
  purchasedAt: Date;
  items: readonly HistoryItem[];
}

/**
 * A customer's recent baskets, in any order. Analyzers look at the newest MAX_PURCHASES (20, a product
 * decision) purchased at or before `now` and ignore the rest.
 *
 * @example
 *   const history: CustomerHistory = {
 *     customerId: "syn-1-0000042",
 *     purchases: [{ purchasedAt: new Date("2026-03-02T10:00:00Z"),
 *       items: [{ sku: "SYN-MILK-01", productName: "Hometown Whole Milk", category: "FLUID MILK PRODUCTS", quantity: 2 }] }],
 *   };
 */
export interface CustomerHistory {
  /** The caller's key for the customer, echoed in CustomerAnalysis (history-source uses the externalId). */
  customerId: string;
  purchases: readonly HistoryPurchase[];
}

/** A product the customer buys in a category, with how often they chose it. */
export interface UsualProduct {
  sku: string;
  name: string;
  /** Share of the customer's purchase days in the category that included it (0–1). */
  share: number;
}

/**
 * When the customer will next buy a category they buy repeatedly. Dates are the start (local midnight
 * in the analyzer's time zone) of a calendar day; the window is inclusive of both days. Equal dates of
 * one analyze() call are one shared Date object: treat them as immutable.
 *
 * @example
 *   {
 *     category: "FLUID MILK PRODUCTS", nextPurchaseAt: 2026-03-12, windowStart: 2026-03-10, windowEnd: 2026-03-14,
 *     overdue: false, overdueDays: 0, confidence: 0.62, toleranceDays: 2, intervalDays: 9.5,
 *     probabilityWithin: [0, 0, 0.01, 0.04, 0.12, 0.3, 0.5, 0.85, 0.97, 0.99, 1, 1, 1, 1, 1, 1], lastPurchasedAt: 2026-03-02,
 *     lastQuantity: 1, purchaseDays: 7, usualProducts: [{ sku: "SYN-MILK-01", name: "Hometown Whole Milk", share: 1 }],
 *     reason: "buys about every 10 days (7 purchase days over 57 days); last bought 8 days ago: 1 × Hometown Whole Milk",
 *   }
 */
export interface CategoryPrediction {
  category: string;
  /** The most likely day (the predictive median); never before `now`'s day. */
  nextPurchaseAt: Date;
  /** First day of the 80 % window (never before `now`'s day). */
  windowStart: Date;
  /** Last day of the 80 % window. */
  windowEnd: Date;
  /** The expected day had already passed at `now`: the need is due, the dates above start at `now`. */
  overdue: boolean;
  /** Days between the expected day and `now`'s day when overdue, else 0. */
  overdueDays: number;
  /**
   * 0–1: the analyzer's probability that the purchase falls within ±toleranceDays of
   * nextPurchaseAt (docs/PREDICTION.md). The backtest checks that it is honest.
   */
  confidence: number;
  /** max(1, 20 % of the typical interval), in whole days. */
  toleranceDays: number;
  /** Days the customer's last purchase typically lasts (for the quantity last bought). */
  intervalDays: number;
  /**
   * P(bought on a day in [now's day, now's day + d)) at each d of PROBABILITY_DAYS, in that order:
   * non-decreasing, each 0–1. Read any whole d from 1 to 365 with `probabilityWithin(prediction, d)`
   * (probability.ts), which interpolates between these knots.
   */
  probabilityWithin: number[];
  lastPurchasedAt: Date;
  /** Units bought on the last purchase day (all products of the category that day). */
  lastQuantity: number;
  /** Distinct days the category was bought in the history the analyzer looked at. */
  purchaseDays: number;
  /** Most chosen first; at most three. */
  usualProducts: UsualProduct[];
  /**
   * One line a person can read, saying what the prediction rests on (the customer's rhythm, how often
   * they buy, or similar customers), what they last bought and when, and whether the need is overdue
   * or probably given up (reason.ts): "buys about every 7 days (9 purchase days over 56 days); last
   * bought 5 days ago: 2 × Whole Milk".
   */
  reason: string;
  /** What made this prediction, when not the analyzer's own source (a per-item fallback). */
  source?: PredictionSource;
  /** The model or analyzer version that made it, when not the analyzer's own. */
  model?: string;
}

/** What made a prediction: the embedded statistics, or Claude on Bedrock grounded on them. */
export type PredictionSource = "STATISTICAL" | "BEDROCK";

/** A category bought on one day only: no cadence to predict from, listed so it is not lost. */
export interface OccasionalCategory {
  category: string;
  lastPurchasedAt: Date;
  usualProducts: UsualProduct[];
}

export interface CustomerAnalysis {
  customerId: string;
  /** The `now` the analysis was made for. */
  analyzedAt: Date;
  /** The analyzer's version: equal versions and inputs give equal analyses. */
  analyzerVersion: string;
  /** Categories bought on at least two days, soonest first. */
  predictions: CategoryPrediction[];
  /** Categories bought on exactly one day, most recent first. */
  occasional: OccasionalCategory[];
  /** Short observations about the customer in plain language (LLM analyzers; none from statistics). */
  insights?: string[];
  /**
   * The analyzer could not do its best (e.g. the model was unavailable and statistics stood in): keep
   * this analysis at most this long, so the better one is tried again soon.
   */
  retryAfterMs?: number;
}

/**
 * What the whole population says about one category's cadence, on the log scale of "days one unit
 * lasts" (docs/PREDICTION.md): a customer's true log days-per-unit is N(mean, between²); one interval
 * of theirs scatters around it with N(0, within²).
 */
export interface CategoryPrior {
  /** Mean over customers' intervals of log(days lasted) − quantityElasticity·log(units). */
  mean: number;
  /** Between-customer standard deviation (τ). */
  between: number;
  /** Within-customer standard deviation of one interval (σ). */
  within: number;
  /** Interval ∝ quantity^quantityElasticity (0 = quantity does not matter, 1 = proportional). */
  quantityElasticity: number;
  /** Customer × category series the fit used (with at least one interval). */
  series: number;
  /** Intervals the fit used. */
  intervals: number;
}

/** The customer-wide effect on every category's cadence (customer-effect.ts). */
export interface CustomerEffectPrior {
  /** Between-customer standard deviation of the effect (τ_a, log scale); 0 = none. */
  between: number;
  /** Customers (with intervals in at least two categories) it was estimated from. */
  customers: number;
}

/** Gamma prior of a category's per-day purchase rate across customers (purchase-rate.ts). */
export interface PurchaseRatePrior {
  /** Gamma shape α (pseudo purchase days). */
  shape: number;
  /** Gamma rate β (pseudo days): the mean rate is shape / rate purchase days per day. */
  rate: number;
}

/**
 * The daily hazard of the next purchase (hazard.ts): P(bought on day s | not bought before) =
 * logistic(Σ coefficient_i · feature_i(s)), fitted on the population's own earlier "as of" dates
 * (hazard-fit.ts). The feature names are stored so a model fitted by other code is never misread.
 */
export interface HazardModel {
  /** Names of the features, in the order of `coefficients` (HAZARD_FEATURES). */
  features: string[];
  coefficients: number[];
  /** Customer × category × "as of" cases the fit used, the purchases among them, their days at risk. */
  cases: number;
  events: number;
  exposureDays: number;
}

/**
 * The levels of the next-purchase distribution the 80 % window runs between. Days are whole, so a
 * distribution's 10th percentile day often holds much more than 10 % (a weekly shopper's next trip):
 * the levels are fitted on the hazard's own training cases so that a tenth of the purchases come
 * before the window and a tenth after it (hazard-fit.ts).
 */
export interface WindowLevels {
  /** Level the window starts at (nominally 0.10). */
  lower: number;
  /** Level the window ends at (nominally 0.90). */
  upper: number;
  /** Training cases the levels were fitted on (0: nominal levels). */
  calibratedOn: number;
}

/**
 * Priors fitted on a whole population (PriorsBuilder, fitPopulationPriors), refreshed by the batch
 * job: per category the cadence (empirical Bayes) and the purchase frequency (Gamma), and the hazard
 * model that turns them, with the time since the last purchase, into the distribution of the next
 * purchase day. Plain JSON-safe data; `fingerprint` identifies the content.
 *
 * @example
 *   const priors = fitPopulationPriors(histories);
 *   priors.categories["FLUID MILK PRODUCTS"]; // { mean: 1.75, between: 0.58, within: 0.39, quantityElasticity: 0.95, … }
 *   new StatisticalAnalyzer(priors).analyze(customers, new Date());
 */
export interface PopulationPriors {
  /** Format of this object; bumped when its meaning changes (2: frequency and hazard model). */
  format: 2;
  /** By category name. */
  categories: Record<string, CategoryPrior>;
  /** For categories the fit never saw. */
  fallback: CategoryPrior;
  customerEffect: CustomerEffectPrior;
  /** Purchase-rate priors by category name. */
  purchaseRates: Record<string, PurchaseRatePrior>;
  /** For categories the fit never saw. */
  purchaseRateFallback: PurchaseRatePrior;
  hazard: HazardModel;
  window: WindowLevels;
  /** Hash of everything above: priors with equal fingerprints predict alike. */
  fingerprint: string;
}

/**
 * Predicts, for many customers at once, when each will next need each category they buy repeatedly.
 * Pure: the same version, histories and `now` give the same analyses.
 *
 * @example
 *   const analyzer: Analyzer = new StatisticalAnalyzer(priors);
 *   const [ana] = analyzer.analyze([history], new Date("2026-03-05T09:00:00Z"));
 *   ana.predictions[0].nextPurchaseAt; // 2026-03-10
 */
export interface Analyzer {
  /** Changes whenever the output for the same input could change (method, options, priors, model). */
  readonly version: string;
  /** What made the predictions unless an item says otherwise. */
  readonly source: PredictionSource;
  /**
   * One analysis per history, in the same order. Purchases after `now` are ignored. Synchronous for
   * pure analyzers; a promise for those that call out (the Bedrock one), which never reject for a
   * single customer's failure.
   */
  analyze(
    customers: readonly CustomerHistory[],
    now: Date,
    options?: AnalyzeOptions,
  ): CustomerAnalysis[] | Promise<CustomerAnalysis[]>;
}

/** What the caller allows an analysis that calls out (pure analyzers ignore it). */
export interface AnalyzeOptions {
  /**
   * The caller's allowance of model calls, possibly shared by several analyze() calls (those of one
   * GraphQL request): take() answers whether one more call may be made, and counts it. Customers
   * beyond it get the statistical analysis, kept briefly (retryAfterMs). Absent: no limit (the
   * budget still applies).
   */
  modelCalls?: { take(): boolean };
}

/**
 * The horizons (days) at which every CategoryPrediction states its probability of purchase
 * (`probabilityWithin`): every day of the first two weeks, where marketing asks ("in the next 3
 * days?") and a cadence's peak lies, then out to a year. They are the ends of the statistical
 * analyzer's curve segments (hazard.ts), whose hazard is constant within a segment (per kind of day,
 * on a trip rhythm), so readers interpolating between knots with a constant hazard (probability.ts)
 * read back the curve itself, and find its median on the predicted day.
 */
export const PROBABILITY_DAYS: readonly number[] = [
  1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 42,
  56, 91, 182, 365,
];

/** The newest baskets an analyzer looks at per customer: a product decision (issue 4). */
export const MAX_PURCHASES = 20;

/**
 * The furthest ahead any predicted date goes: two years after the analysis's day. Whatever a history
 * holds (a huge quantity lasts "forever"), a prediction stays a date every database and client can
 * store and read; beyond two years a forecast of a grocery need says nothing anyway.
 */
export const PREDICTION_HORIZON_DAYS = 730;
