// Turns what Claude returned into predictions the API can serve, trusting nothing: the tool input is
// validated item by item (zod), unknown categories are dropped, days are clamped to a sane range. What
// Claude adjusts is the day; the statistical distribution moves with it (src/analysis/shift.ts), so
// the window, the confidence and every probability served beside the day say the same thing. Any
// category whose item is missing or invalid, or whose day no move of the distribution can reach, keeps
// its statistical prediction. Pure: no I/O.
import { z } from "zod";
import { DayClock } from "../analysis/calendar";
import type { CategoryPrediction, CustomerAnalysis } from "../analysis/contract";
import { medianDay, moveMedianTo, probabilityBetweenDays } from "../analysis/shift";

/** The furthest ahead a model-made date may lie (a year). */
export const MAX_DAYS_AHEAD = 365;
const MAX_INSIGHTS = 3;
const MAX_TEXT = 200;

export interface MergeResult {
  analysis: CustomerAnalysis;
  /**
   * Categories that kept the statistical prediction because the model's item was missing or invalid,
   * or moved the day where the statistical distribution cannot follow (its median lies beyond a year).
   */
  fellBack: number;
  /** Items that named no category of this customer (dropped). */
  unknown: number;
}

/** Thrown when the output as a whole is unusable (not an object with a predictions list). */
export class ModelOutputError extends Error {
  override name = "ModelOutputError";
}

/**
 * Merges the model's tool input into the statistical analysis.
 *
 * @example
 *   const { analysis } = mergeModelOutput(statistical, toolInput, prompt.categories, now, { timeZone: "UTC", model, statisticalModel });
 * @throws ModelOutputError when `output` is not an object with a `predictions` array.
 */
export function mergeModelOutput(
  statistical: CustomerAnalysis,
  output: unknown,
  categories: ReadonlyMap<string, string>,
  now: Date,
  { timeZone, model, statisticalModel }: { timeZone: string; model: string; statisticalModel: string },
): MergeResult {
  const top = OUTPUT.safeParse(output);
  if (!top.success) {
    throw new ModelOutputError(
      `expected an object with a "predictions" array, got ${describe(output)}: ${top.error.issues[0]?.message}`,
    );
  }
  const clock = new DayClock(timeZone);
  const today = clock.dayOf(now);
  const byCategory = new Map<string, ModelItem>();
  let unknown = 0;
  for (const raw of top.data.predictions) {
    const item = ITEM.safeParse(raw);
    const category = item.success ? categories.get(item.data.key) : undefined;
    if (!item.success || category === undefined) {
      if (item.success) unknown++;
      continue;
    }
    if (!byCategory.has(category)) byCategory.set(category, item.data);
  }

  let fellBack = 0;
  const predictions = statistical.predictions.map((stat): CategoryPrediction => {
    const item = byCategory.get(stat.category);
    const adjusted = item && moved(stat, item, clock, today);
    if (!adjusted) {
      fellBack++;
      return { ...stat, source: "STATISTICAL", model: statisticalModel };
    }
    return { ...adjusted, reason: item.reason, source: "BEDROCK", model };
  });
  predictions.sort(
    (a, b) => a.nextPurchaseAt.getTime() - b.nextPurchaseAt.getTime() || a.category.localeCompare(b.category),
  );
  const insights = (top.data.insights ?? [])
    .map((text) => (typeof text === "string" ? clean(text) : ""))
    .filter(Boolean)
    .slice(0, MAX_INSIGHTS);
  return { analysis: { ...statistical, predictions, insights }, fellBack, unknown };
}

// ---- private helpers ----

/**
 * The statistical prediction with the model's day: unchanged when the day is the statistical one,
 * else the distribution moved so that a reader of its probabilities finds the median on the day
 * (P'(within d) = P(within d − shift)), the window moved as far, the confidence re-read around the
 * day. The move is measured from where the statistical probabilities put the median (medianDay),
 * which can be a day or more off the statistical day where the stored horizons are sparse: so a day
 * later than the probabilities said always makes a purchase by any day less likely, never more.
 * Overdue and overdueDays say how long the usual interval has passed, a fact of the history that no
 * move changes. Undefined when the distribution cannot be moved there.
 */
function moved(
  stat: CategoryPrediction,
  item: ModelItem,
  clock: DayClock,
  today: number,
): CategoryPrediction | undefined {
  const offset = (date: Date) => clock.dayOf(date) - today;
  const day = Math.min(MAX_DAYS_AHEAD, Math.max(0, Math.round(item.next)));
  const statisticalDay = offset(stat.nextPurchaseAt);
  if (day === statisticalDay) return stat;
  const from = medianDay(stat.probabilityWithin) ?? statisticalDay;
  const distribution = moveMedianTo(stat.probabilityWithin, day, day - from);
  if (!distribution) return undefined;
  const shift = Math.round(distribution.shift);
  const start = Math.min(day, Math.max(0, offset(stat.windowStart) + shift));
  const end = Math.max(day, Math.min(MAX_DAYS_AHEAD, offset(stat.windowEnd) + shift));
  const tolerance = stat.toleranceDays;
  const confidence = probabilityBetweenDays(distribution.probabilityWithin, day - tolerance, day + tolerance);
  return {
    ...stat,
    nextPurchaseAt: clock.startOf(today + day),
    windowStart: clock.startOf(today + start),
    windowEnd: clock.startOf(today + end),
    confidence: Math.round(confidence * 100) / 100,
    probabilityWithin: distribution.probabilityWithin,
  };
}

const OUTPUT = z.object({
  predictions: z.array(z.unknown()),
  insights: z.array(z.unknown()).optional(),
});

// Anything else an item holds (a window or confidence of its own) is dropped: they follow the day.
const ITEM = z.object({
  key: z.string().max(20),
  next: z.number().finite(),
  reason: z.string().transform(clean).pipe(z.string().min(1)),
});

type ModelItem = z.infer<typeof ITEM>;

/** One line, no control characters, at most MAX_TEXT characters. */
function clean(text: string): string {
  // Control characters (line breaks, tabs, escapes) become spaces: a reason is one line.
  const line = [...text]
    .map((c) => (c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127 ? " " : c))
    .join("")
    .replace(/\s+/g, " ")
    .trim();
  return line.length > MAX_TEXT ? `${line.slice(0, MAX_TEXT - 1)}…` : line;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object"
    ? `an object with keys ${Object.keys(value as object)
        .slice(0, 5)
        .join(", ")}`
    : typeof value;
}
