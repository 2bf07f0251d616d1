// The one place the dashboard shows probabilities of buying: within 7 days on the customer view
// (the DashboardPrediction fragment's probabilityWithin7: probability(withinDays: 7)), and within the
// asked number of days on the due-soon page (probability(withinDays: $withinDays)), the probability
// customersDue ranks by. Each is the API's figure, never a stand-in (`confidence` is another
// probability: of buying within a few days of nextPurchaseAt).
import { formatShare } from "./format";

/** The column heading of the probability of buying within `days` days. */
export function probabilityHeading(days: number): string {
  return `Buys within ${days} ${days === 1 ? "day" : "days"}`;
}

/** The customer view's column: the probability of buying within 7 days. */
export const PROBABILITY_DAYS_SHOWN = 7;

/** A probability as a bar and a percentage, for a table cell. */
export function Probability({ value, days }: { value: number; days: number }) {
  return (
    <span className="probability">
      <meter
        min={0}
        max={1}
        value={value}
        aria-label={`${probabilityHeading(days)}: ${formatShare(value)}`}
      />
      <span>{formatShare(value)}</span>
    </span>
  );
}

/** How customersDue ordered the audience, as the page says it. */
export function rankingCaption(days: number): string {
  return (
    `Ranked by the API: most likely to buy within ${days} ${days === 1 ? "day" : "days"} first ` +
    "(equally likely: sooner predicted day first). Probabilities are as of each prediction's day."
  );
}
