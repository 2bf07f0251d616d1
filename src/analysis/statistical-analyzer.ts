// The embedded default analyzer: per customer × category, the distribution of the time to the next
// purchase as of now (next-purchase.ts), from a daily hazard (hazard.ts) over the customer's purchase
// frequency, cadence (cadence.ts), time since the last purchase, trip rhythm and the chance they have
// stopped, with weights fitted on the population's own history (hazard-fit.ts). Every figure of a
// prediction is read off that one distribution. Pure and synchronous; the method is docs/PREDICTION.md.
import { DayClock } from "./calendar";
import { lastDayProducts, usualProducts } from "./category-series";
import {
  type Analyzer,
  type CategoryPrediction,
  type CustomerAnalysis,
  type CustomerHistory,
  MAX_PURCHASES,
  type OccasionalCategory,
  type PopulationPriors,
  PREDICTION_HORIZON_DAYS,
  PROBABILITY_DAYS,
} from "./contract";
import { type CategoryCase, customerCases } from "./customer-cases";
import { FEATURE_COUNT, HAZARD_FEATURES } from "./hazard";
import { probablyStopped } from "./lapse";
import { NextPurchase } from "./next-purchase";
import { storedKnots } from "./probability";
import { describeReason } from "./reason";

/** Bump whenever the method's output for the same input and priors can change. */
export const METHOD_VERSION = "2.1.0";

/**
 * Confidence is the probability of landing within ±max(1 day, this share of the typical interval) of
 * the predicted day.
 */
export const CONFIDENCE_TOLERANCE_SHARE = 0.2;
/** Dates are read off the distribution up to this many days ahead (beyond: "not within a year"). */
export const HORIZON_DAYS = 365;

export interface StatisticalAnalyzerOptions {
  /** Calendar the customers shop on (default UTC); dates in the output are its midnights. */
  timeZone?: string;
  /** Newest baskets looked at per customer (default MAX_PURCHASES, 20). */
  maxPurchases?: number;
}

/**
 * @example
 *   const analyzer = new StatisticalAnalyzer(priors, { timeZone: "America/New_York" });
 *   analyzer.version; // "statistical@2.1.0/priors:1a47e90bbdd5594d/tz:America/New_York/last:20"
 *   const analyses = analyzer.analyze(histories, new Date());
 */
export class StatisticalAnalyzer implements Analyzer {
  readonly version: string;
  readonly source = "STATISTICAL";
  private readonly clock: DayClock;
  private readonly maxPurchases: number;
  private readonly weights: Float64Array;
  /** The curve had now been the day after the last purchase, for overdue reasons (lapse.ts). */
  private readonly reference = new NextPurchase();
  /** A prediction's probabilities at PROBABILITY_DAYS before they are rounded (refilled per prediction). */
  private readonly within = new Float64Array(PROBABILITY_DAYS.length);

  constructor(
    readonly priors: PopulationPriors,
    options: StatisticalAnalyzerOptions = {},
  ) {
    this.clock = new DayClock(options.timeZone);
    this.maxPurchases = options.maxPurchases ?? MAX_PURCHASES;
    if (!Number.isSafeInteger(this.maxPurchases) || this.maxPurchases < 2) {
      throw new RangeError(
        `maxPurchases: expected a whole number of at least 2, got ${options.maxPurchases}`,
      );
    }
    const { features, coefficients } = priors.hazard;
    if (features.length !== FEATURE_COUNT || features.some((name, i) => name !== HAZARD_FEATURES[i])) {
      throw new RangeError(
        `priors.hazard: expected the features ${HAZARD_FEATURES.join(", ")}, got ${features.join(", ")}`,
      );
    }
    this.weights = Float64Array.from(coefficients);
    this.version =
      `statistical@${METHOD_VERSION}/priors:${priors.fingerprint}` +
      `/tz:${this.clock.timeZone}/last:${this.maxPurchases}`;
  }

  analyze(customers: readonly CustomerHistory[], now: Date): CustomerAnalysis[] {
    const nowMs = now.getTime();
    if (Number.isNaN(nowMs)) throw new RangeError("now: expected a valid Date, got an invalid one");
    const nowDay = this.clock.dayOf(now);
    // One Date per calendar day per call: predictions of a batch mostly fall on the same few weeks of
    // days, and a Date object for every field of every prediction was a third of the analyzer's time.
    const days = new DayDates(this.clock);
    const next = new NextPurchase();
    return customers.map((history) => this.analyzeOne(history, now, nowDay, days, next));
  }

  private analyzeOne(
    history: CustomerHistory,
    now: Date,
    nowDay: number,
    dates: DayDates,
    next: NextPurchase,
  ): CustomerAnalysis {
    const { repeated, once, tripDays } = customerCases(
      history,
      this.priors,
      this.clock,
      now.getTime(),
      nowDay,
      this.maxPurchases,
    );
    const predictions = repeated.map((c) =>
      this.predict(c, next.fill(c.state, this.weights), nowDay, dates, tripDays),
    );
    const occasional: OccasionalCategory[] = once.map((series) => ({
      category: series.category,
      lastPurchasedAt: dates.at(series.days[0]!),
      usualProducts: usualProducts(series),
    }));
    predictions.sort(
      (a, b) => a.nextPurchaseAt.getTime() - b.nextPurchaseAt.getTime() || (a.category < b.category ? -1 : 1),
    );
    occasional.sort(
      (a, b) =>
        b.lastPurchasedAt.getTime() - a.lastPurchasedAt.getTime() || (a.category < b.category ? -1 : 1),
    );
    return {
      customerId: history.customerId,
      analyzedAt: now,
      analyzerVersion: this.version,
      predictions,
      occasional,
    };
  }

  private predict(
    c: CategoryCase,
    next: NextPurchase,
    nowDay: number,
    dates: DayDates,
    tripDays: number,
  ): CategoryPrediction {
    const { series, cadence, usualDays } = c;
    const lastDay = c.state.lastDay;
    const lastQuantity = series.quantities[series.quantities.length - 1]!;
    const horizon = nowDay + HORIZON_DAYS - 1;
    const predicted = dayAt(next, 0.5, horizon);
    const { window } = this.priors;
    const windowStart = Math.min(predicted, dayAt(next, window.lower, horizon));
    const windowEnd = Math.max(predicted, dayAt(next, window.upper, horizon));
    // Overdue: the usual interval since the last purchase has passed.
    const dueDay = lastDay + Math.round(usualDays);
    const overdueDays = Math.max(0, nowDay - dueDay);

    const tolerance = Math.max(1, Math.round(CONFIDENCE_TOLERANCE_SHARE * usualDays));
    const confidence = next.probabilityBetween(predicted - tolerance, predicted + tolerance) || 0;

    const probabilityWithin = storedKnots(next.probabilitiesWithin(nowDay, PROBABILITY_DAYS, this.within));

    const usualIntervalDays = atMost(
      Math.exp(cadence.logPerUnit + cadence.quantityElasticity * Math.log(c.usualQuantity)) +
        (usualDays - Math.exp(cadence.logLasted)),
      PREDICTION_HORIZON_DAYS,
    );
    // Only a need past due asks whether it has been given up (at most a second curve).
    const stopped =
      overdueDays > 0 && probablyStopped(next, this.reference, c.state, this.weights, nowDay, usualDays);
    return {
      category: series.category,
      nextPurchaseAt: dates.at(predicted),
      windowStart: dates.at(windowStart),
      windowEnd: dates.at(windowEnd),
      overdue: overdueDays > 0,
      overdueDays,
      confidence: Math.round(confidence * 100) / 100,
      toleranceDays: tolerance,
      intervalDays: Math.round(atMost(usualDays, PREDICTION_HORIZON_DAYS) * 10) / 10,
      probabilityWithin,
      lastPurchasedAt: dates.at(lastDay),
      lastQuantity,
      purchaseDays: series.days.length,
      usualProducts: usualProducts(series),
      reason: describeReason({
        usualIntervalDays,
        lastIntervalDays: atMost(usualDays, PREDICTION_HORIZON_DAYS),
        intervalSpread: cadence.logSd,
        ownWeight: cadence.ownWeight,
        purchaseDays: series.days.length,
        tripDays,
        daysSinceFirst: nowDay - series.days[0]!,
        daysSinceLast: nowDay - lastDay,
        lastBought: lastDayProducts(series),
        overdueDays,
        probablyStopped: stopped,
      }),
    };
  }
}

// ---- private helpers ----

/** The first day by which the purchase has happened with probability p, at most `horizon`. */
function dayAt(next: NextPurchase, p: number, horizon: number): number {
  return atMost(next.quantile(p) ?? horizon, horizon);
}

/** `value`, or `limit` when it is larger or not a number (an overflow in the model's arithmetic). */
function atMost(value: number, limit: number): number {
  return Number.isNaN(value) ? limit : Math.min(value, limit);
}

/** The start of each calendar day as a Date, made once per analyze() call and shared. */
class DayDates {
  private readonly dates = new Map<number, Date>();

  constructor(private readonly clock: DayClock) {}

  at(day: number): Date {
    let date = this.dates.get(day);
    if (!date) {
      date = this.clock.startOf(day);
      this.dates.set(day, date);
    }
    return date;
  }
}
