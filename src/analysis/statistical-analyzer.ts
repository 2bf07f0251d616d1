// The embedded default analyzer: per customer × category, a shrunk, quantity-aware cadence estimate
// (cadence.ts) turned into a purchase-day distribution (purchase-day.ts) on the customer's trip rhythm
// (trip-rhythm.ts). Pure and synchronous; the method is docs/PREDICTION.md.

import { type Cadence, estimateCadence } from "./cadence";
import { DayClock } from "./calendar";
import { type CategorySeries, lastProduct, readShoppingHistory, usualProducts } from "./category-series";
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
import { personalPriors, seriesDeviation } from "./customer-effect";
import { intervalObservations, medianOf } from "./intervals";
import { priorOf } from "./priors";
import { probabilityKnots } from "./probability";
import { PurchaseDayDistribution } from "./purchase-day";
import { describeReason } from "./reason";
import { detectTripRhythm, type TripRhythm } from "./trip-rhythm";

/** Bump whenever the method's output for the same input and priors can change. */
export const METHOD_VERSION = "1.0.1";

/**
 * Confidence is the probability of landing within ±max(1 day, this share of the typical interval) of
 * the predicted day.
 */
export const CONFIDENCE_TOLERANCE_SHARE = 0.2;

export interface StatisticalAnalyzerOptions {
  /** Calendar the customers shop on (default UTC); dates in the output are its midnights. */
  timeZone?: string;
  /** Newest baskets looked at per customer (default MAX_PURCHASES, 20). */
  maxPurchases?: number;
}

/**
 * @example
 *   const analyzer = new StatisticalAnalyzer(priors, { timeZone: "America/New_York" });
 *   analyzer.version; // "statistical@1.0.1/priors:1a47e90bbdd5594d/tz:America/New_York/last:20"
 *   const analyses = analyzer.analyze(histories, new Date());
 */
export class StatisticalAnalyzer implements Analyzer {
  readonly version: string;
  readonly source = "STATISTICAL";
  private readonly clock: DayClock;
  private readonly maxPurchases: number;

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
    return customers.map((history) => this.analyzeOne(history, now, nowDay, days));
  }

  /**
   * The purchase-day distribution behind one category's prediction, or undefined when the history
   * shows the category on fewer than two days. Window calibration evaluates other quantiles on it.
   */
  purchaseDayDistribution(
    history: CustomerHistory,
    category: string,
    now: Date,
  ): PurchaseDayDistribution | undefined {
    const { repeated } = this.estimate(history, now, this.clock.dayOf(now));
    return repeated.find((r) => r.series.category === category)?.days;
  }

  private analyzeOne(history: CustomerHistory, now: Date, nowDay: number, dates: DayDates): CustomerAnalysis {
    const { rhythm, repeated, once } = this.estimate(history, now, nowDay);
    const predictions = repeated.map((r) => this.predict(r, rhythm, nowDay, dates));
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

  /**
   * The model for one customer: trip rhythm; per category bought on two or more days its cadence
   * (own intervals, shrunk towards the category prior moved by the customer effect) and purchase-day
   * distribution; the categories bought once.
   */
  private estimate(history: CustomerHistory, now: Date, nowDay: number) {
    const { tripDays, series } = readShoppingHistory(history, this.clock, now.getTime(), this.maxPurchases);
    const rhythm = detectTripRhythm(tripDays);
    const once: CategorySeries[] = [];
    const repeatedSeries: CategorySeries[] = [];
    for (const one of series) (one.days.length >= 2 ? repeatedSeries : once).push(one);

    const { customerEffect } = this.priors;
    const observations = repeatedSeries.map((one) => intervalObservations(one, rhythm));
    const categoryPriors = repeatedSeries.map((one) => priorOf(this.priors, one.category));
    const deviations = observations.map((o, i) => seriesDeviation(o, categoryPriors[i]!, customerEffect));
    const personal = personalPriors(deviations, categoryPriors, customerEffect);
    const repeated: Estimate[] = repeatedSeries.map((one, i) => {
      const lastDay = one.days[one.days.length - 1]!;
      const cadence = estimateCadence(
        observations[i]!,
        one.quantities[one.quantities.length - 1]!,
        personal[i]!,
      );
      // Bought today already: the next purchase day is tomorrow at the earliest.
      const days = new PurchaseDayDistribution(lastDay, cadence, rhythm, Math.max(nowDay, lastDay + 1));
      return { series: one, cadence, days };
    });
    return { rhythm, repeated, once };
  }

  private predict(
    { series, cadence, days }: Estimate,
    rhythm: TripRhythm,
    nowDay: number,
    dates: DayDates,
  ): CategoryPrediction {
    const { window } = this.priors;
    const lastDay = days.lastDay;
    const lastQuantity = series.quantities[series.quantities.length - 1]!;

    // Overdue: the expected day has passed, so the need is due now: predicted for the first day it can
    // still happen (the next trip on the customer's rhythm), with the window starting today.
    const expected = days.unconditionalMedian();
    const overdueDays = Math.max(0, nowDay - expected) || 0;
    // Every day stops at the horizon: a huge last quantity must not make a date no database stores.
    const horizon = nowDay + PREDICTION_HORIZON_DAYS;
    const predicted = atMost(overdueDays ? days.earliestDay() : days.quantile(0.5), horizon);
    const windowStart = overdueDays
      ? days.fromDay
      : Math.min(predicted, atMost(days.quantile(window.lower), horizon));
    const windowEnd = Math.max(predicted, atMost(days.quantile(window.upper), horizon));

    const typicalIntervalDays = atMost(
      Math.exp(cadence.logLasted) + rhythm.expectedDelay,
      PREDICTION_HORIZON_DAYS,
    );
    const tolerance = Math.max(1, Math.round(CONFIDENCE_TOLERANCE_SHARE * typicalIntervalDays));
    const confidence = days.probabilityBetween(predicted - tolerance, predicted + tolerance) || 0;
    const within = days.probabilityWithinDays(nowDay, PROBABILITY_DAYS);

    const usualQuantity = medianOf(series.quantities);
    const usualIntervalDays = atMost(
      Math.exp(cadence.logPerUnit + cadence.quantityElasticity * Math.log(usualQuantity)) +
        rhythm.expectedDelay,
      PREDICTION_HORIZON_DAYS,
    );
    return {
      category: series.category,
      nextPurchaseAt: dates.at(predicted),
      windowStart: dates.at(windowStart),
      windowEnd: dates.at(windowEnd),
      overdue: overdueDays > 0,
      overdueDays,
      confidence: Math.round(confidence * 100) / 100,
      confidenceToleranceDays: tolerance,
      typicalIntervalDays: Math.round(typicalIntervalDays * 10) / 10,
      probabilityWithin: probabilityKnots((_, i) => within[i]!),
      lastPurchasedAt: dates.at(lastDay),
      lastQuantity,
      purchaseDays: series.days.length,
      usualProducts: usualProducts(series),
      reason: describeReason({
        usualIntervalDays,
        lastIntervalDays: typicalIntervalDays,
        lastQuantity,
        lastProductName: lastProduct(series).name,
        daysSinceLast: nowDay - lastDay,
        overdueDays,
        ownWeight: cadence.ownWeight,
      }),
    };
  }
}

// ---- private helpers ----

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

/** One category bought on two or more days: its series, cadence and purchase-day distribution. */
interface Estimate {
  series: CategorySeries;
  cadence: Cadence;
  days: PurchaseDayDistribution;
}
