// The customer view's timeline, as data: one point per category per purchase day with the quantity
// bought that day, for the categories the customer has predictions in. No DOM (tested in jest).
import { formatDay, formatWindow, startOfDay } from "./format";

export interface BasketLine {
  quantity: number;
  product: { category: string };
}

export interface Basket {
  purchasedAt: string;
  items: BasketLine[];
}

export interface PurchaseDay {
  category: string;
  day: Date;
  quantity: number;
}

/**
 * Sums each day's quantity per category (several baskets on one day are one purchase day, as the
 * analyzer sees them), keeping only the given categories, oldest day first.
 */
export function purchaseDays(baskets: readonly Basket[], categories: ReadonlySet<string>): PurchaseDay[] {
  const byKey = new Map<string, PurchaseDay>();
  for (const basket of baskets) {
    const day = startOfDay(basket.purchasedAt);
    for (const { quantity, product } of basket.items) {
      if (!categories.has(product.category)) continue;
      const key = `${product.category}\u0000${day.getTime()}`;
      const point = byKey.get(key);
      if (point) point.quantity += quantity;
      else byKey.set(key, { category: product.category, day, quantity });
    }
  }
  return [...byKey.values()].sort(
    (a, b) => a.day.getTime() - b.day.getTime() || a.category.localeCompare(b.category),
  );
}

export interface TimelinePrediction {
  category: string;
  nextPurchaseAt: string;
  windowStart: string;
  windowEnd: string;
  overdue: boolean;
}

/** The predicted marks' tooltip; test/web/browser.test.ts reads it back. */
export function predictedTitle(prediction: TimelinePrediction): string {
  return (
    `${prediction.category}: next ${formatDay(prediction.nextPurchaseAt)}` +
    `${prediction.overdue ? " (overdue)" : ""}, 80 % window ${formatWindow(prediction.windowStart, prediction.windowEnd)}`
  );
}
