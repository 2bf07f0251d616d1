// What the serving path keeps per customer: the analyzer's output flattened into JSON-safe records
// (ISO dates), so the same value goes into the in-memory cache, into Redis and into the Prediction
// table without a second shape.
import {
  type CategoryPrediction,
  type CustomerAnalysis,
  PROBABILITY_DAYS,
  type PredictionSource,
  type UsualProduct,
} from "../analysis/contract";

export type { PredictionSource };

/**
 * One category's prediction as served (the GraphQL Prediction type's fields). Every field keeps the
 * name it has in the analyzer's CategoryPrediction (and keeps in the Prediction table and the GraphQL
 * type): each layer only drops fields it does not serve and adds its own (source, model, generatedAt…).
 * The dates change type, not name or meaning: ISO-8601 strings (UTC) instead of Date, so a record
 * goes through JSON (Redis, the near cache) unchanged.
 */
export interface PredictionRecord {
  category: string;
  usualProducts: UsualProduct[];
  nextPurchaseAt: string;
  windowStart: string;
  windowEnd: string;
  confidence: number;
  /** Confidence is the probability of buying within ±toleranceDays of nextPurchaseAt. */
  toleranceDays: number;
  intervalDays: number;
  /**
   * P(bought within d days) at each d of PROBABILITY_DAYS (the analyzer's knots, kept as they are):
   * Prediction.probability(withinDays) reads any day from them with probabilityWithin().
   */
  probabilityWithin: number[];
  lastPurchasedAt: string;
  overdue: boolean;
  reason: string;
  source: PredictionSource;
  /** The analyzer version (statistical) or model id (Bedrock) that made it. */
  model: string;
}

/** A customer's current predictions, soonest first. */
export interface CustomerPredictions {
  /** Customer.id */
  customerId: number;
  generatedAt: string;
  expiresAt: string;
  predictions: PredictionRecord[];
  /** Short plain-language observations (from an LLM analyzer; empty otherwise). */
  insights: string[];
}

/** As served: `cached` says whether it came from the cache or was computed for this request. */
export interface ServedPredictions extends CustomerPredictions {
  cached: boolean;
}

/**
 * The analysis as served. It expires after `ttlMs`, or sooner when the analyzer asks to be retried
 * sooner (a fallback analysis).
 *
 * @example
 *   toCustomerPredictions(42, analysis, { source: "STATISTICAL", model: analyzer.version, ttlMs: 86_400_000 });
 */
export function toCustomerPredictions(
  customerId: number,
  analysis: CustomerAnalysis,
  made: { source: PredictionSource; model: string; ttlMs: number },
): CustomerPredictions {
  const lifetime = Math.min(made.ttlMs, analysis.retryAfterMs ?? made.ttlMs);
  return {
    customerId,
    generatedAt: analysis.analyzedAt.toISOString(),
    expiresAt: new Date(analysis.analyzedAt.getTime() + lifetime).toISOString(),
    predictions: analysis.predictions.map((p) => toRecord(p, made)),
    insights: analysis.insights ?? [],
  };
}

/**
 * A customer whose predictions could not be made (the analysis threw, or its result could not be
 * stored by a refresh). It stands in that customer's place in a batch: the others are served.
 */
export class PredictionFailure extends Error {
  override name = "PredictionFailure";

  constructor(
    readonly customerId: number,
    cause: unknown,
  ) {
    super(
      `The predictions of customer ${customerId} could not be made: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

/**
 * A cached value is used only if it has this shape (a corrupt or foreign entry reads as a miss). An
 * entry cached before predictions carried their probabilities (same analyzer version, so same key)
 * lacks `probabilityWithin`: a miss too, so it is computed again rather than served without them.
 */
export function isCustomerPredictions(value: unknown, customerId: number): value is CustomerPredictions {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Partial<CustomerPredictions>;
  return (
    v.customerId === customerId &&
    typeof v.generatedAt === "string" &&
    typeof v.expiresAt === "string" &&
    Array.isArray(v.predictions) &&
    Array.isArray(v.insights) &&
    v.predictions.every(hasProbabilities)
  );
}

// ---- private helpers ----

function hasProbabilities(record: Partial<PredictionRecord>): boolean {
  return (
    Array.isArray(record.probabilityWithin) && record.probabilityWithin.length === PROBABILITY_DAYS.length
  );
}

function toRecord(
  p: CategoryPrediction,
  made: { source: PredictionSource; model: string },
): PredictionRecord {
  return {
    category: p.category,
    usualProducts: p.usualProducts.map(({ sku, name, share }) => ({ sku, name, share })),
    nextPurchaseAt: p.nextPurchaseAt.toISOString(),
    windowStart: p.windowStart.toISOString(),
    windowEnd: p.windowEnd.toISOString(),
    confidence: p.confidence,
    toleranceDays: p.toleranceDays,
    intervalDays: p.intervalDays,
    probabilityWithin: p.probabilityWithin,
    lastPurchasedAt: p.lastPurchasedAt.toISOString(),
    overdue: p.overdue,
    reason: p.reason,
    source: p.source ?? made.source,
    model: p.model ?? made.model,
  };
}
