// The one line a person reads next to a prediction, saying what it rests on: the customer's rhythm in
// the category when they keep one, how often they buy it when they do not, or similar customers when
// they have bought it on too few days; what they last bought and when; and a need past due, or one
// the model now reads as probably given up.

/** One product of the last purchase day (a ProductUse of category-series.ts fits as it is). */
export interface LastBoughtProduct {
  name: string;
  /** Units of it bought that day. */
  lastQuantity: number;
}

export interface ReasonFacts {
  /** Days a usual-size purchase lasts, trip wait included. */
  usualIntervalDays: number;
  /** Days the last purchase is expected to last, trip wait included. */
  lastIntervalDays: number;
  /** Predictive standard deviation of the log of the next interval (cadence.ts). */
  intervalSpread: number;
  /** Share of the cadence estimate that is the customer's own, the rest the population's (cadence.ts). */
  ownWeight: number;
  /** Distinct days the category was bought in the baskets looked at. */
  purchaseDays: number;
  /** Distinct days with any basket in those baskets. */
  tripDays: number;
  /** Whole days from the first purchase day of the category looked at to now's day. */
  daysSinceFirst: number;
  /** Whole days from the last purchase day to now's day. */
  daysSinceLast: number;
  /** Every product of the category bought on the last purchase day, most units first. */
  lastBought: readonly LastBoughtProduct[];
  overdueDays: number;
  /** Past due, and the model reads the wait as a sign they have stopped buying it (lapse.ts). */
  probablyStopped: boolean;
}

/**
 * What the prediction rests on: "rhythm", the customer's own steady interval; "frequency", how often
 * they buy the category, when their intervals are too uneven for a rhythm; with a single interval,
 * "similar customers" when the population outweighs it in the cadence, else "one interval".
 */
export type ReasonBasis = "rhythm" | "frequency" | "one interval" | "similar customers";
/** Where the need stands: not yet due, past due, or past due and probably given up. */
export type ReasonStatus = "not due" | "overdue" | "stopped";

/**
 * At most this many purchase days: one interval, which says nothing of the customer's spread. Only
 * then can the estimate lean on similar customers in the reason: with more, the customer's own
 * intervals and frequency are what the hazard reads, however much the cadence is shrunk (a population
 * of alike customers shrinks every cadence a lot).
 */
export const THIN_PURCHASE_DAYS = 2;
/**
 * "Buys about every N days" claims a rhythm: it is said when the next interval falls within half to
 * twice the usual one with 80 % probability (1.2816 = the normal's 90th percentile, spread on the log
 * scale). Steady buyers (a generated household's milk: 0.3–0.45) are well below it, buyers at random
 * (0.7 and more) well above.
 */
export const RHYTHM_SPREAD = Math.log(2) / 1.2816;
/** The model's expectation for the last purchase is worth saying when it is off the rhythm shown by more than this factor. */
const NOTABLE_CHANGE = 1.25;
/** Products of the last purchase day named in the reason; the rest are counted. */
const NAMED_PRODUCTS = 2;

/** @example reasonBasis({ purchaseDays: 9, intervalSpread: 0.3, ownWeight: 0.4 }) // "rhythm" */
export function reasonBasis(
  facts: Pick<ReasonFacts, "purchaseDays" | "intervalSpread" | "ownWeight">,
): ReasonBasis {
  if (facts.purchaseDays <= THIN_PURCHASE_DAYS)
    return facts.ownWeight <= 0.5 ? "similar customers" : "one interval";
  return facts.intervalSpread <= RHYTHM_SPREAD ? "rhythm" : "frequency";
}

/** @example reasonStatus({ overdueDays: 21, probablyStopped: true }) // "stopped" */
export function reasonStatus(facts: Pick<ReasonFacts, "overdueDays" | "probablyStopped">): ReasonStatus {
  if (!(facts.overdueDays > 0)) return "not due";
  return facts.probablyStopped ? "stopped" : "overdue";
}

/**
 * @example
 *   describeReason({ usualIntervalDays: 7.2, lastIntervalDays: 7.4, intervalSpread: 0.3, purchaseDays: 9,
 *     tripDays: 12, daysSinceFirst: 61, daysSinceLast: 5, lastBought: [{ name: "Whole Milk", lastQuantity: 2 }],
 *     overdueDays: 0, probablyStopped: false })
 *   // "buys about every 7 days (9 purchase days over 56 days); last bought 5 days ago: 2 × Whole Milk"
 */
export function describeReason(facts: ReasonFacts): string {
  // One join, so the reason is one flat string: concatenation would keep every piece alive in a tree of
  // string objects for as long as the prediction lives.
  const parts: Array<string | number> = [];
  const basis = reasonBasis(facts);
  const spanDays = facts.daysSinceFirst - facts.daysSinceLast;
  // The rhythm as the customer kept it (their mean interval, which the counts beside it show); the
  // model's own expectation follows where it differs (a bigger purchase, a recent change, shrinkage).
  const shownInterval = basis === "rhythm" ? spanDays / (facts.purchaseDays - 1) : facts.usualIntervalDays;
  if (basis === "rhythm") {
    parts.push("buys about every ", formatDays(shownInterval), " days (");
    parts.push(facts.purchaseDays, " purchase days over ", spanDays, " days)");
  } else if (basis === "frequency") {
    parts.push("buys irregularly: ", facts.purchaseDays, " purchase days in the last ");
    parts.push(facts.daysSinceFirst, " days (", facts.purchaseDays, " of ", facts.tripDays, " trips)");
  } else {
    parts.push("only ", facts.purchaseDays, " purchase days in ", facts.tripDays, " trips (");
    parts.push(spanDays, " days apart): ");
    if (basis === "similar customers") parts.push("leans on similar customers, ");
    parts.push("about every ", formatDays(facts.usualIntervalDays), " days");
  }
  parts.push("; last bought ", formatAgo(facts.daysSinceLast), ": ");
  pushProducts(parts, facts.lastBought);
  const ratio = facts.lastIntervalDays / shownInterval;
  if (basis !== "frequency" && (ratio > NOTABLE_CHANGE || ratio < 1 / NOTABLE_CHANGE)) {
    parts.push(", expected to last about ", formatDays(facts.lastIntervalDays), " days");
  }
  const status = reasonStatus(facts);
  if (status !== "not due") parts.push("; ", formatSpan(facts.overdueDays), " overdue");
  if (status === "stopped") parts.push(": may have stopped buying this");
  return parts.join("");
}

// ---- private helpers ----

/** "2 × Whole Milk", "2 × Whole Milk and 1 × Skim Milk", "2 × Whole Milk, 1 × Skim Milk and 3 other products". */
function pushProducts(parts: Array<string | number>, products: readonly LastBoughtProduct[]): void {
  const named = Math.min(NAMED_PRODUCTS, products.length);
  for (let i = 0; i < named; i++) {
    if (i > 0) parts.push(i === products.length - 1 ? " and " : ", ");
    parts.push(formatQuantity(products[i]!.lastQuantity), " × ", products[i]!.name);
  }
  const others = products.length - named;
  if (others > 0) parts.push(" and ", others, others === 1 ? " other product" : " other products");
}

/** Whole days, or tenths below 3 days. */
function formatDays(days: number): number {
  return days < 3 ? Math.round(days * 10) / 10 : Math.round(days);
}

/** Units to two decimals (weights are fractional). */
function formatQuantity(quantity: number): number {
  return Math.round(quantity * 100) / 100;
}

function formatAgo(days: number): string {
  if (days <= 0) return "today";
  if (days === 1) return "yesterday";
  return `${days} days ago`;
}

const DAYS_PER_MONTH = 365.25 / 12;

/** Days up to two weeks, then about so many weeks (below 8), then about so many months. */
function formatSpan(days: number): string {
  if (days === 1) return "1 day";
  if (days < 14) return `${days} days`;
  if (days < 56) return `about ${Math.round(days / 7)} weeks`;
  return `about ${Math.round(days / DAYS_PER_MONTH)} months`;
}
