// The one place the dashboard reads the probability of buying within 7 days, and says how the
// due-soon audience is ranked. The API does not serve it yet (issue 16 adds
// Prediction.probability(withinDays)); until then nothing is shown in its place, never a stand-in
// (`confidence` is a different probability: of buying within a few days of nextPurchaseAt).
// To show it: uncomment `probabilityWithin7: probability(withinDays: 7)` in the DashboardPrediction
// fragment (src/client/operations/dashboard.graphql) and run `npm run codegen`.
import { formatShare } from "./format";

/** A prediction as the dashboard asks for it; the field is absent while the API lacks it. */
export interface WithProbability {
  category: string;
  probabilityWithin7?: number | null;
}

export function probabilityWithin7(prediction: WithProbability): number | undefined {
  const value = prediction.probabilityWithin7;
  return typeof value === "number" ? value : undefined;
}

/** Whether any of these predictions carries the probability (decides whether its column exists). */
export function showsProbability(predictions: readonly WithProbability[]): boolean {
  return predictions.some((prediction) => probabilityWithin7(prediction) !== undefined);
}

export const PROBABILITY_HEADING = "Buys within 7 days";

/** The probability as a bar and a percentage, for a table cell. */
export function ProbabilityWithin7({ prediction }: { prediction: WithProbability }) {
  const value = probabilityWithin7(prediction);
  if (value === undefined) return null;
  return (
    <span className="probability">
      <meter min={0} max={1} value={value} aria-label={`${PROBABILITY_HEADING}: ${formatShare(value)}`} />
      <span>{formatShare(value)}</span>
    </span>
  );
}

/** How customersDue ordered the audience, as the page says it. */
export function rankingCaption(predictions: readonly WithProbability[]): string {
  return showsProbability(predictions)
    ? "Ranked by the API: most likely to buy first."
    : "Ranked as the API ranks them: soonest predicted day first (overdue needs are due today).";
}
