// One customer as of one day, as the hazard sees them: the trip rhythm, and per category bought on two
// or more days its cadence (own intervals shrunk towards the category prior moved by the customer
// effect) and the hazard's case state. Shared by the analyzer (as of now) and the hazard fit (as of
// earlier days), so both read a history the same way.
import { type Cadence, estimateCadence } from "./cadence";
import type { DayClock } from "./calendar";
import { type CategorySeries, readShoppingHistory } from "./category-series";
import type { CustomerHistory, PopulationPriors } from "./contract";
import { personalPriors, seriesDeviation } from "./customer-effect";
import type { CaseState } from "./hazard";
import { intervalObservations, medianOf } from "./intervals";
import { priorOf, purchaseRateOf } from "./priors";
import { detectTripRhythm, type TripRhythm } from "./trip-rhythm";

/** One category bought on two or more days. */
export interface CategoryCase {
  series: CategorySeries;
  cadence: Cadence;
  /** Days the last purchase usually lasts, trip wait included. */
  usualDays: number;
  /** The median units bought on a purchase day. */
  usualQuantity: number;
  state: CaseState;
}

export interface CustomerCases {
  rhythm: TripRhythm;
  /** Distinct days with a basket among those looked at. */
  tripDays: number;
  repeated: CategoryCase[];
  /** Categories bought on one day only. */
  once: CategorySeries[];
}

/**
 * The customer's categories as of `nowDay`, from the newest `maxPurchases` baskets bought at or before
 * `nowMs`.
 *
 * @example
 *   const { repeated } = customerCases(history, priors, clock, now.getTime(), clock.dayOf(now), 20);
 *   repeated[0].state.logUsual; // log days the last milk purchase usually lasts
 */
export function customerCases(
  history: CustomerHistory,
  priors: PopulationPriors,
  clock: DayClock,
  nowMs: number,
  nowDay: number,
  maxPurchases: number,
): CustomerCases {
  const { tripDays, series } = readShoppingHistory(history, clock, nowMs, maxPurchases);
  const rhythm = detectTripRhythm(tripDays);
  const once: CategorySeries[] = [];
  const repeatedSeries: CategorySeries[] = [];
  for (const one of series) (one.days.length >= 2 ? repeatedSeries : once).push(one);
  if (!repeatedSeries.length) return { rhythm, tripDays: tripDays.length, repeated: [], once };

  const { customerEffect } = priors;
  const observations = repeatedSeries.map((one) => intervalObservations(one, rhythm));
  const categoryPriors = repeatedSeries.map((one) => priorOf(priors, one.category));
  const deviations = observations.map((o, i) => seriesDeviation(o, categoryPriors[i]!, customerEffect));
  const personal = personalPriors(deviations, categoryPriors, customerEffect);

  const trips = tripDays.length;
  const firstTrip = tripDays[0]!;
  const lastTripDay = tripDays[trips - 1]!;
  const gaps: number[] = [];
  for (let i = 1; i < trips; i++) gaps.push(tripDays[i]! - tripDays[i - 1]!);
  const tripGap = gaps.length ? medianOf(gaps) : Math.max(1, nowDay - firstTrip);
  const logTripGap = Math.log(Math.max(1, tripGap));

  const repeated = repeatedSeries.map((one, i): CategoryCase => {
    const { days, quantities } = one;
    const n = days.length;
    const lastDay = days[n - 1]!;
    // Bought today already: the next purchase day is tomorrow at the earliest.
    const fromDay = Math.max(nowDay, lastDay + 1);
    const lastQuantity = quantities[n - 1]!;
    const cadence = estimateCadence(observations[i]!, lastQuantity, personal[i]!);
    const usualDays = Math.exp(cadence.logLasted) + rhythm.expectedDelay;
    const rate = purchaseRateOf(priors, one.category);
    const usualQuantity = medianOf(quantities);
    return {
      series: one,
      cadence,
      usualDays,
      usualQuantity,
      state: {
        fromDay,
        lastDay,
        logRate: Math.log((n - 1 + rate.shape) / (fromDay - days[0]! + rate.rate)),
        logUsual: Math.log(usualDays),
        logSd: cadence.logSd,
        logPurchaseDays: Math.log(n),
        logTripShare: Math.log(n / trips),
        logTripRate: Math.log(trips / Math.max(1, fromDay - firstTrip)),
        logQuantityRatio: Math.log(lastQuantity / usualQuantity),
        logCategoryRate: Math.log(rate.shape / rate.rate),
        lastTripDay,
        logTripGap,
        rhythmPeriod: rhythm.period ?? 0,
        rhythmAnchor: rhythm.anchor,
      },
    };
  });
  return { rhythm, tripDays: trips, repeated, once };
}
