// Calibrates the 80 % window on training histories. The log-normal model's nominal 10th/90th
// percentiles miss what the model does not know (skipped trips, holidays, thinned records), and whole
// days and trip rhythms make the distribution discrete. So the window's quantile levels are chosen
// where, on a hold-out run of the same protocol over training histories, 10 % of the purchases came
// before the window and 10 % after it. Only training data is used: a backtest's held-out purchases
// never are.
import { DayClock } from "./calendar";
import { type CustomerHistory, MAX_PURCHASES, type PopulationPriors } from "./contract";
import { type HoldOutOptions, holdOutCases } from "./holdout";
import { PriorsBuilder, type PriorsBuilderOptions, withWindow } from "./priors";
import type { PurchaseDayDistribution } from "./purchase-day";
import { StatisticalAnalyzer } from "./statistical-analyzer";

/** Share of purchases meant to fall before the window, and after it. */
export const WINDOW_TAIL = 0.1;
/** Fewer held-out purchases than this keep the nominal levels: too few to calibrate on. */
export const MIN_CALIBRATION_CASES = 50;

/**
 * Calibration cases need this many purchase days, the held-out one included: two visible days, as any
 * prediction needs, plus the answer.
 */
export const CALIBRATION_MIN_PURCHASE_DAYS = 3;

export interface CalibrationOptions extends HoldOutOptions {
  /** Calendar of the purchases (default UTC). */
  timeZone?: string;
}

/**
 * The priors with window levels calibrated on `sample` (training histories); the nominal levels when
 * the sample yields fewer than MIN_CALIBRATION_CASES held-out purchases.
 *
 * @example
 *   const calibrated = calibrateWindow(builder.build(), builder.sample());
 *   calibrated.window; // { lower: 0.265, upper: 0.92, calibratedOn: 45082 } (synthetic data)
 */
export function calibrateWindow(
  priors: PopulationPriors,
  sample: readonly CustomerHistory[],
  options: CalibrationOptions = {},
): PopulationPriors {
  const clock = new DayClock(options.timeZone);
  const maxPurchases = options.maxPurchases ?? MAX_PURCHASES;
  const minPurchaseDays = options.minPurchaseDays ?? CALIBRATION_MIN_PURCHASE_DAYS;
  const analyzer = new StatisticalAnalyzer(priors, { timeZone: options.timeZone, maxPurchases });
  const cases: Array<{ days: PurchaseDayDistribution; actual: number }> = [];
  for (const history of sample) {
    for (const c of holdOutCases(history, clock, { ...options, maxPurchases, minPurchaseDays })) {
      const days = analyzer.purchaseDayDistribution(c.visible, c.category, clock.startOf(c.nowDay));
      if (days) cases.push({ days, actual: c.actualDay });
    }
  }
  if (cases.length < MIN_CALIBRATION_CASES) return priors;

  const earlyShare = (p: number) => share(cases, (c) => c.actual < c.days.quantile(p));
  const lateShare = (p: number) => share(cases, (c) => c.actual > c.days.quantile(p));
  // The largest level with at most the target share of purchases before its day (for the window's
  // end: the smallest with at most 10 % after it), so the window errs on the side of holding 80 %.
  const lower = largestLevel(0.001, 0.5, (p) => earlyShare(p) <= WINDOW_TAIL);
  const upper = 1 - largestLevel(0.001, 0.5, (q) => lateShare(1 - q) <= WINDOW_TAIL);
  // Priors keep 4 decimals: round outwards, so the stored window still holds what was calibrated.
  return withWindow(priors, {
    lower: Math.floor(lower * 10_000) / 10_000,
    upper: Math.ceil(upper * 10_000) / 10_000,
    calibratedOn: cases.length,
  });
}

/**
 * Priors fitted on a population and calibrated on a sample of it, in one call (for sources that fit
 * in an iterable; streaming sources use PriorsBuilder and calibrateWindow directly).
 *
 * @example const priors = fitPopulationPriors(histories, { timeZone: "America/New_York" });
 */
export function fitPopulationPriors(
  histories: Iterable<CustomerHistory>,
  options: PriorsBuilderOptions & CalibrationOptions = {},
): PopulationPriors {
  const builder = new PriorsBuilder(options);
  for (const history of histories) builder.add(history);
  return calibrateWindow(builder.build(), builder.sample(), options);
}

// ---- private helpers ----

function share<T>(items: readonly T[], test: (item: T) => boolean): number {
  let hits = 0;
  for (const item of items) if (test(item)) hits++;
  return hits / items.length;
}

/**
 * The largest p in [low, high] for which `ok(p)` holds, assuming ok holds up to some point and not
 * after it; `low` when it never holds. 20 halvings: finer than any level anyone would read.
 */
function largestLevel(low: number, high: number, ok: (p: number) => boolean): number {
  if (!ok(low)) return low;
  if (ok(high)) return high;
  for (let step = 0; step < 20; step++) {
    const mid = (low + high) / 2;
    if (ok(mid)) low = mid;
    else high = mid;
  }
  return low;
}
