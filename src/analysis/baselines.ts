// The simple predictors an analyzer must beat in the backtest. Each predicts the next purchase day as
// "last purchase day + an interval": the customer's mean or median interval in the baskets the analyzer
// sees, or the median interval of the category across the training side of all customers. Like the
// analyzer, a baseline never predicts a day before `now` (it would be known wrong), so the comparison
// measures the interval estimate, not the overdue rule.
import type { DayClock } from "./calendar";
import { readShoppingHistory } from "./category-series";
import type { CustomerHistory } from "./contract";
import { medianOf } from "./intervals";

export const BASELINE_NAMES = [
  "customer mean interval",
  "customer median interval",
  "category global median interval",
] as const;

export type BaselineName = (typeof BASELINE_NAMES)[number];

/**
 * Median interval per category over many histories, kept as counts per whole day so memory does not
 * grow with the population.
 *
 * @example
 *   const medians = new CategoryIntervalMedians(clock);
 *   for (const history of trainingHistories) medians.add(history);
 *   medians.median("FLUID MILK PRODUCTS"); // 9
 */
export class CategoryIntervalMedians {
  private readonly counts = new Map<string, Map<number, number>>();
  private readonly all = new Map<number, number>();

  constructor(private readonly clock: DayClock) {}

  add(history: CustomerHistory): void {
    const { series } = readShoppingHistory(
      history,
      this.clock,
      Number.POSITIVE_INFINITY,
      Number.POSITIVE_INFINITY,
    );
    for (const { category, days } of series) {
      let counts = this.counts.get(category);
      if (!counts) {
        counts = new Map();
        this.counts.set(category, counts);
      }
      for (let i = 1; i < days.length; i++) {
        const interval = days[i]! - days[i - 1]!;
        counts.set(interval, (counts.get(interval) ?? 0) + 1);
        this.all.set(interval, (this.all.get(interval) ?? 0) + 1);
      }
    }
  }

  /** The category's median interval; every category's pooled when it has none. */
  median(category: string): number {
    const counts = this.counts.get(category);
    return histogramMedian(counts?.size ? counts : this.all) ?? 7;
  }
}

/**
 * Each baseline's predicted day for one category, from the category's purchase days in the visible
 * baskets (at least two).
 *
 * @example baselineDays([0, 7, 15], 10, 16) // { "customer mean interval": 23, "customer median interval": 23, "category global median interval": 25 }
 */
export function baselineDays(
  purchaseDays: readonly number[],
  categoryMedian: number,
  nowDay: number,
): Record<BaselineName, number> {
  const intervals: number[] = [];
  for (let i = 1; i < purchaseDays.length; i++) intervals.push(purchaseDays[i]! - purchaseDays[i - 1]!);
  const last = purchaseDays[purchaseDays.length - 1]!;
  const mean = intervals.reduce((sum, x) => sum + x, 0) / intervals.length;
  const from = (interval: number) => Math.max(nowDay, last + Math.max(1, Math.round(interval)));
  return {
    "customer mean interval": from(mean),
    "customer median interval": from(medianOf(intervals)),
    "category global median interval": from(categoryMedian),
  };
}

/** The lower median of a histogram of whole-day counts; undefined when it is empty. */
function histogramMedian(counts: ReadonlyMap<number, number>): number | undefined {
  let total = 0;
  for (const count of counts.values()) total += count;
  if (!total) return undefined;
  let seen = 0;
  for (const value of [...counts.keys()].sort((a, b) => a - b)) {
    seen += counts.get(value)!;
    if (seen * 2 >= total) return value;
  }
  return undefined;
}
