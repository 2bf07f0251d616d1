// The one line a person reads next to a prediction: the customer's rhythm for the category, what they
// last bought and when, and what is unusual (a bigger purchase than usual, an overdue need, an estimate
// that leans on other customers because this one has shown little).

export interface ReasonFacts {
  /** Days a usual-size purchase lasts, trip wait included. */
  usualIntervalDays: number;
  /** Days the last purchase is expected to last, trip wait included. */
  lastIntervalDays: number;
  lastQuantity: number;
  lastProductName: string;
  /** Whole days from the last purchase day to now's day. */
  daysSinceLast: number;
  overdueDays: number;
  /** Share of the estimate that is the customer's own (the rest is the population prior). */
  ownWeight: number;
}

/** At or below this share of their own, the reason says the estimate leans on similar customers. */
const LEANS_ON_PRIOR = 0.5;
/** The last purchase "changes" the expectation when it moves the interval by more than this factor. */
const NOTABLE_CHANGE = 1.25;

/**
 * @example
 *   describeReason({ usualIntervalDays: 7.2, lastIntervalDays: 14.1, lastQuantity: 2, lastProductName: "Whole Milk",
 *     daysSinceLast: 5, overdueDays: 0, ownWeight: 0.8 })
 *   // "buys about every 7 days; last bought 2 × Whole Milk 5 days ago, enough for about 14 days"
 */
export function describeReason(facts: ReasonFacts): string {
  // One join, so the reason is one flat string: concatenation would keep every piece alive in a tree of
  // string objects for as long as the prediction lives.
  const parts: Array<string | number> = [
    "buys about every ",
    formatDays(facts.usualIntervalDays),
    " days; last bought ",
    Math.round(facts.lastQuantity * 100) / 100,
    " × ",
    facts.lastProductName,
    " ",
    formatAgo(facts.daysSinceLast),
  ];
  const ratio = facts.lastIntervalDays / facts.usualIntervalDays;
  if (ratio > NOTABLE_CHANGE || ratio < 1 / NOTABLE_CHANGE) {
    parts.push(", enough for about ", formatDays(facts.lastIntervalDays), " days");
  }
  if (facts.overdueDays > 0)
    parts.push("; ", facts.overdueDays, facts.overdueDays === 1 ? " day overdue" : " days overdue");
  if (facts.ownWeight <= LEANS_ON_PRIOR) parts.push(" (few purchases yet: leans on similar customers)");
  return parts.join("");
}

/** Whole days, or tenths below 3 days. */
function formatDays(days: number): number {
  return days < 3 ? Math.round(days * 10) / 10 : Math.round(days);
}

function formatAgo(days: number): string {
  if (days <= 0) return "today";
  if (days === 1) return "yesterday";
  return `${days} days ago`;
}
