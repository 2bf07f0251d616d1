// Turns a customer's baskets into what the statistics work on: the days they shopped, and per category
// the distinct days they bought it with the units bought each day. Two baskets on one day are one
// purchase day (quantities add up): a cadence is about days, not about how often someone queues.

import type { DayClock } from "./calendar";
import type { CustomerHistory, HistoryPurchase, UsualProduct } from "./contract";

/** One category in one customer's history. */
export interface CategorySeries {
  category: string;
  /** Distinct purchase days, ascending. */
  days: number[];
  /** Units bought on each of `days` (all products of the category that day). */
  quantities: number[];
  /** Products bought, by SKU. */
  products: Map<string, ProductUse>;
}

export interface ProductUse {
  sku: string;
  name: string;
  /** Purchase days that included the product. */
  days: number;
  lastDay: number;
  /** Units of it bought on lastDay. */
  lastQuantity: number;
}

/** The part of a history an analyzer looks at. */
export interface ShoppingHistory {
  /** Distinct days with a basket, ascending. */
  tripDays: number[];
  /** In order of first purchase. */
  series: CategorySeries[];
}

/**
 * The newest `maxPurchases` baskets bought at or before `nowMs`, as trip days and category series.
 *
 * @example
 *   const { tripDays, series } = readShoppingHistory(history, new DayClock(), Date.now(), 20);
 *   series[0]; // { category: "EGGS", days: [20510, 20521], quantities: [1, 2], products: Map {…} }
 */
export function readShoppingHistory(
  history: CustomerHistory,
  clock: DayClock,
  nowMs: number,
  maxPurchases: number,
): ShoppingHistory {
  const baskets = newestBaskets(history.purchases, nowMs, maxPurchases);
  const tripDays: number[] = [];
  const byCategory = new Map<string, CategorySeries>();
  for (const basket of baskets) {
    const day = clock.dayOf(basket.purchasedAt);
    if (tripDays[tripDays.length - 1] !== day) tripDays.push(day);
    for (const item of basket.items) {
      if (!(item.quantity > 0)) continue; // voids and returns carry no cadence
      let series = byCategory.get(item.category);
      if (!series) {
        series = { category: item.category, days: [], quantities: [], products: new Map() };
        byCategory.set(item.category, series);
      }
      const last = series.days.length - 1;
      if (series.days[last] === day) series.quantities[last]! += item.quantity;
      else {
        series.days.push(day);
        series.quantities.push(item.quantity);
      }
      const product = series.products.get(item.sku);
      if (!product) {
        series.products.set(item.sku, {
          sku: item.sku,
          name: item.productName,
          days: 1,
          lastDay: day,
          lastQuantity: item.quantity,
        });
      } else if (product.lastDay === day) {
        product.lastQuantity += item.quantity;
      } else {
        product.days++;
        product.lastDay = day;
        product.lastQuantity = item.quantity;
      }
    }
  }
  return { tripDays, series: [...byCategory.values()] };
}

/**
 * The customer's usual products in a category: most purchase days first, then most recent; at most
 * `limit`.
 */
export function usualProducts(series: CategorySeries, limit = 3): UsualProduct[] {
  // A selection, not a sort: a category rarely has more than a handful of products, and this runs for
  // every category of every customer.
  const top: ProductUse[] = [];
  for (const use of series.products.values()) {
    let at = top.length;
    while (at > 0 && ranksBefore(use, top[at - 1]!)) at--;
    if (at >= limit) continue;
    if (top.length < limit) top.push(use);
    for (let i = top.length - 1; i > at; i--) top[i] = top[i - 1]!;
    top[at] = use;
  }
  return top.map((use) => ({ sku: use.sku, name: use.name, share: round2(use.days / series.days.length) }));
}

/**
 * Every product bought on the last purchase day (what the customer "last bought"), most units first,
 * then by name: a day with whole and skimmed milk is both, never all of it under one name.
 */
export function lastDayProducts(series: CategorySeries): ProductUse[] {
  const lastDay = series.days[series.days.length - 1];
  const bought: ProductUse[] = [];
  series.products.forEach((use) => {
    if (use.lastDay === lastDay) bought.push(use);
  });
  if (bought.length > 1) {
    bought.sort(
      (a, b) => b.lastQuantity - a.lastQuantity || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
    );
  }
  return bought;
}

// ---- private helpers ----

/** Usual-product order: more purchase days first, then the more recently bought. */
function ranksBefore(a: ProductUse, b: ProductUse): boolean {
  return a.days > b.days || (a.days === b.days && a.lastDay > b.lastDay);
}

/** Baskets at or before now, the newest `limit` of them, oldest first. */
function newestBaskets(
  purchases: readonly HistoryPurchase[],
  nowMs: number,
  limit: number,
): HistoryPurchase[] {
  const eligible: HistoryPurchase[] = [];
  let sorted = true;
  let previous = Number.NEGATIVE_INFINITY;
  for (const purchase of purchases) {
    const ms = purchase.purchasedAt.getTime();
    if (ms > nowMs) continue;
    if (ms < previous) sorted = false;
    previous = ms;
    eligible.push(purchase);
  }
  // Histories usually arrive in time order (the sources sort them); only sort when they do not.
  if (!sorted) eligible.sort((a, b) => a.purchasedAt.getTime() - b.purchasedAt.getTime());
  return eligible.length > limit ? eligible.slice(eligible.length - limit) : eligible;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
