// Has a need past due been given up? A customer who still buys a category at their rhythm is, once
// past due, at least as likely to buy within their usual interval as they were right after their last
// purchase: the need has been waiting. The hazard is fitted on customers who did stop as well, so far
// past due it can fall instead. Both chances come from the model for the same customer: the curve as of
// now, and the curve had `now` been the day after their last purchase.
import type { CaseState } from "./hazard";
import { CURVE_DAYS } from "./hazard";
import type { NextPurchase } from "./next-purchase";

/**
 * Since a customer still buying would be at least as likely to buy within a usual interval now as
 * right after the last purchase, chance now / chance then bounds the probability they still buy.
 * Below a half, "stopped" is the likelier reading by the model's own numbers.
 */
export const STOPPED_SHARE = 0.5;

/**
 * Has the model's chance of a purchase within one usual interval fallen below STOPPED_SHARE of what it
 * was right after the last purchase? `current` is the case's distribution as of now (left as it is);
 * `reference` is refilled only when the answer could be yes.
 *
 * @example probablyStopped(next, reference, state, weights, nowDay, 7) // true: 3 weeks overdue, 0.05 vs 0.6
 */
export function probablyStopped(
  current: NextPurchase,
  reference: NextPurchase,
  state: CaseState,
  weights: ArrayLike<number>,
  nowDay: number,
  usualDays: number,
): boolean {
  const interval = usualInterval(usualDays);
  const now = current.probabilityWithin(nowDay, interval);
  // The chance right after the last purchase is at most 1: no need to compute it.
  if (!(now < STOPPED_SHARE)) return false;
  return now < STOPPED_SHARE * chanceAfterLast(reference, state, weights, interval);
}

// ---- private helpers ----

/** Whole days, at least one, within the curve. */
function usualInterval(usualDays: number): number {
  return Math.min(CURVE_DAYS, Math.max(1, Math.round(usualDays)));
}

function chanceAfterLast(
  reference: NextPurchase,
  state: CaseState,
  weights: ArrayLike<number>,
  interval: number,
): number {
  const afterLastDay = state.lastDay + 1;
  reference.fill(state, weights, afterLastDay);
  return reference.probabilityWithin(afterLastDay, interval);
}
