// The backtest protocol's hold-out rule (issue 4), fixed so results compare across analyzers and runs:
//
// - For each category of a customer, the last distinct purchase day is held out: the answer.
// - The analyzer is asked the day after the category's previous purchase ("the last seen purchase"):
//   `now` = that day + 1, and it sees the newest `maxPurchases` (20) baskets up to that purchase day,
//   all strictly before the held-out day. So every prediction covers a whole interval, as a retailer
//   planning ahead needs.
// - `askAt: "last-basket"` reads "the last seen purchase" as the customer's last basket of any kind
//   before the held-out day instead. Only for comparison: it gives the answer away, because the
//   held-out purchase is then, by construction, on the customer's very next trip after `now`.
// - A category takes part when those baskets and the held-out day together show at least
//   `minPurchaseDays` (4) distinct purchase days, so every predictor has at least two intervals.
//
// The training side is everything but the held-out purchases; priors and the category-median baseline
// are computed from it alone.
import type { DayClock } from "./calendar";
import { type CustomerHistory, type HistoryPurchase, MAX_PURCHASES } from "./contract";

/** When the analyzer is asked: see the protocol above. */
export type AskAt = "previous-purchase" | "last-basket";

export interface HoldOutOptions {
  /** Baskets the analyzer sees (default 20). */
  maxPurchases?: number;
  /** Default "previous-purchase". */
  askAt?: AskAt;
  /** Distinct purchase days a category needs, the held-out one included (default 4). */
  minPurchaseDays?: number;
}

export const MIN_PURCHASE_DAYS = 4;

/** One exam question: predict `category` for `customerId` from `visible`, at `nowDay`. */
export interface HoldOutCase {
  customerId: string;
  category: string;
  /** The held-out purchase day: the answer. */
  actualDay: number;
  /** The baskets the analyzer may see (the newest ones up to the previous purchase day), oldest first. */
  visible: CustomerHistory;
  /** The day after the last visible basket (by default: after the category's previous purchase day). */
  nowDay: number;
}

/**
 * The cases a history yields, by category name.
 *
 * @example
 *   for (const c of holdOutCases(history, new DayClock())) analyzer.analyze([c.visible], clock.startOf(c.nowDay));
 */
export function* holdOutCases(
  history: CustomerHistory,
  clock: DayClock,
  options: HoldOutOptions = {},
): Generator<HoldOutCase> {
  const maxPurchases = options.maxPurchases ?? MAX_PURCHASES;
  const minDays = options.minPurchaseDays ?? MIN_PURCHASE_DAYS;
  const askAt = options.askAt ?? "previous-purchase";
  const baskets = datedBaskets(history.purchases, clock);
  for (const [category, days] of purchaseDaysByCategory(baskets)) {
    if (days.length < 2) continue;
    const actualDay = days[days.length - 1]!;
    const previousDay = days[days.length - 2]!;
    const lastVisibleDay = askAt === "previous-purchase" ? previousDay : actualDay - 1;
    // The sorted baskets up to the first one after the last visible day.
    let end = 0;
    while (end < baskets.length && baskets[end]!.day <= lastVisibleDay) end++;
    const visible = baskets.slice(Math.max(0, end - maxPurchases), end);
    const firstVisibleDay = visible[0]!.day;
    let visibleDays = 0;
    for (const day of days) if (day >= firstVisibleDay && day <= previousDay) visibleDays++;
    if (visibleDays + 1 < minDays) continue;
    yield {
      customerId: history.customerId,
      category,
      actualDay,
      visible: { customerId: history.customerId, purchases: visible.map((b) => b.purchase) },
      nowDay: visible[visible.length - 1]!.day + 1,
    };
  }
}

/**
 * The history without its held-out purchases (the items of each taking-part category on its held-out
 * day); baskets left empty are dropped.
 *
 * @example trainingSide(history, clock) // what priors and the category-median baseline may learn from
 */
export function trainingSide(
  history: CustomerHistory,
  clock: DayClock,
  options: HoldOutOptions = {},
): CustomerHistory {
  const heldOut = new Map<string, number>();
  for (const c of holdOutCases(history, clock, options)) heldOut.set(c.category, c.actualDay);
  if (!heldOut.size) return history;
  const purchases: HistoryPurchase[] = [];
  for (const purchase of history.purchases) {
    const day = clock.dayOf(purchase.purchasedAt);
    const items = purchase.items.filter((item) => heldOut.get(item.category) !== day);
    if (items.length)
      purchases.push(items.length === purchase.items.length ? purchase : { ...purchase, items });
  }
  return { customerId: history.customerId, purchases };
}

/** A basket with its calendar day. */
export interface DatedBasket {
  day: number;
  purchase: HistoryPurchase;
}

/** The baskets with their calendar days, oldest first. */
export function datedBaskets(purchases: readonly HistoryPurchase[], clock: DayClock): DatedBasket[] {
  return purchases
    .map((purchase) => ({ day: clock.dayOf(purchase.purchasedAt), purchase }))
    .sort((a, b) => a.purchase.purchasedAt.getTime() - b.purchase.purchasedAt.getTime());
}

/** Each category's distinct purchase days, ascending, by category name (so cases come out in order). */
export function purchaseDaysByCategory(baskets: readonly DatedBasket[]): Array<[string, number[]]> {
  const byCategory = new Map<string, number[]>();
  for (const { day, purchase } of baskets) {
    for (const item of purchase.items) {
      if (!(item.quantity > 0)) continue;
      const days = byCategory.get(item.category);
      if (!days) byCategory.set(item.category, [day]);
      else if (days[days.length - 1] !== day) days.push(day);
    }
  }
  return [...byCategory.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
