// The Prediction table: every customer's current predictions (supersededAt IS NULL) for audience
// queries, the superseded ones as history, and each prediction's outcome once the customer buys the
// category (for live accuracy).
import { DayClock } from "../analysis/calendar";
import { BIND_SAFE_ROWS, chunks } from "../db/batching";
import type { Db } from "../db/client";
import { insertRows } from "../db/insert-rows";
import type { CustomerPredictions, PredictionRecord, PredictionSource } from "./customer-predictions";

/**
 * Makes these the customers' current predictions: the previous current ones are marked superseded
 * (kept as history) and the new ones inserted, all in one transaction, so an audience query never
 * sees a customer with none or with two sets.
 */
export async function saveCurrentPredictions(
  db: Db,
  batch: readonly CustomerPredictions[],
  now: Date,
): Promise<void> {
  if (!batch.length) return;
  const rows = batch.flatMap((customer) => customer.predictions.map((p) => toRow(customer, p)));
  await db.$transaction(async (tx) => {
    for (const ids of chunks(
      batch.map((c) => c.customerId),
      BIND_SAFE_ROWS,
    )) {
      await tx.prediction.updateMany({
        where: { customerId: { in: ids }, supersededAt: null },
        data: { supersededAt: now },
      });
    }
    // One statement for a page of 100 customers with 20 predictions each: 16 columns × 2,000 rows
    // stays inside SQLite's 32,766 bind parameters per statement.
    for (const part of chunks(rows, INSERT_ROWS)) await insertRows(tx as Db, "Prediction", COLUMNS, part);
  });
}

export interface Outcome {
  category: string;
  /** |purchase day − predicted day| in whole calendar days. */
  errorDays: number;
  inWindow: boolean;
}

/**
 * Records that the customer bought the purchase's categories: each current, still open prediction
 * for them made before the purchase gets its outcome. Returns the outcomes recorded.
 */
export async function recordOutcomes(
  db: Db,
  purchase: { id: number; customerId: number; purchasedAt: Date },
  clock: DayClock,
): Promise<Outcome[]> {
  const { customerId, purchasedAt } = purchase;
  const bought = await db.product.findMany({
    where: { items: { some: { purchaseId: purchase.id } } },
    select: { category: true },
  });
  if (!bought.length) return [];
  const open = await db.prediction.findMany({
    where: {
      customerId,
      category: { in: [...new Set(bought.map((p) => p.category))] },
      supersededAt: null,
      fulfilledAt: null,
      generatedAt: { lte: purchasedAt },
    },
    select: { id: true, category: true, nextPurchaseAt: true, windowStart: true, windowEnd: true },
  });
  if (!open.length) return [];
  const day = clock.dayOf(purchasedAt);
  const outcomes = open.map((p) => ({
    id: p.id,
    category: p.category,
    errorDays: Math.abs(day - clock.dayOf(p.nextPurchaseAt)),
    inWindow: clock.dayOf(p.windowStart) <= day && day <= clock.dayOf(p.windowEnd),
  }));
  await db.$transaction(
    outcomes.map(({ id, errorDays, inWindow }) =>
      // fulfilledAt: null again here: a concurrent purchase that got there first keeps its outcome.
      db.prediction.updateMany({
        where: { id, fulfilledAt: null },
        data: { fulfilledAt: purchasedAt, errorDays, inWindow },
      }),
    ),
  );
  return outcomes.map(({ category, errorDays, inWindow }) => ({ category, errorDays, inWindow }));
}

export interface SourceAccuracy {
  source: PredictionSource;
  /** Predictions whose outcome is known (the customer bought the category). */
  fulfilled: number;
  meanAbsoluteErrorDays: number;
  /** Share of fulfilled predictions whose purchase fell inside the 80 % window. */
  windowCoverage: number;
}

/** Live accuracy per source over the predictions fulfilled since `since`, sources in name order. */
export async function predictionAccuracy(
  db: Db,
  since: Date,
  source?: PredictionSource,
): Promise<SourceAccuracy[]> {
  const groups = await db.prediction.groupBy({
    by: ["source"],
    where: { fulfilledAt: { gte: since }, ...(source ? { source } : {}) },
    _count: { _all: true },
    _avg: { errorDays: true },
    orderBy: { source: "asc" },
  });
  const inWindow = await db.prediction.groupBy({
    by: ["source"],
    where: { fulfilledAt: { gte: since }, inWindow: true, ...(source ? { source } : {}) },
    _count: { _all: true },
  });
  const covered = new Map(inWindow.map((g) => [g.source, g._count._all]));
  return groups.map((g) => ({
    source: g.source as PredictionSource,
    fulfilled: g._count._all,
    meanAbsoluteErrorDays: g._avg.errorDays ?? 0,
    windowCoverage: (covered.get(g.source) ?? 0) / g._count._all,
  }));
}

export interface DueCursor {
  nextPurchaseAt: Date;
  customerId: number;
}

/**
 * Current, not yet fulfilled predictions of a category due before `until`, soonest (so most
 * overdue) first, with their customers; `first + 1` rows so the caller can tell whether more follow.
 */
export function currentPredictionsDue(
  db: Db,
  { category, until, first, after }: { category: string; until: Date; first: number; after?: DueCursor },
) {
  return db.prediction.findMany({
    where: {
      category,
      supersededAt: null,
      fulfilledAt: null,
      nextPurchaseAt: { lt: until },
      ...(after
        ? {
            OR: [
              { nextPurchaseAt: { gt: after.nextPurchaseAt } },
              { nextPurchaseAt: after.nextPurchaseAt, customerId: { gt: after.customerId } },
            ],
          }
        : {}),
    },
    orderBy: [{ nextPurchaseAt: "asc" }, { customerId: "asc" }],
    take: first + 1,
    include: { customer: true },
  });
}

/** A stored prediction row as the serving records have it. */
export function recordOfRow(row: {
  category: string;
  usualProducts: string;
  nextPurchaseAt: Date;
  windowStart: Date;
  windowEnd: Date;
  confidence: number;
  toleranceDays: number;
  intervalDays: number;
  lastPurchasedAt: Date;
  overdue: boolean;
  reason: string;
  source: string;
  model: string;
}): PredictionRecord {
  return {
    category: row.category,
    usualProducts: JSON.parse(row.usualProducts) as PredictionRecord["usualProducts"],
    nextPurchaseAt: row.nextPurchaseAt.toISOString(),
    windowStart: row.windowStart.toISOString(),
    windowEnd: row.windowEnd.toISOString(),
    confidence: row.confidence,
    toleranceDays: row.toleranceDays,
    intervalDays: row.intervalDays,
    lastPurchasedAt: row.lastPurchasedAt.toISOString(),
    overdue: row.overdue,
    reason: row.reason,
    source: row.source as PredictionSource,
    model: row.model,
  };
}

// ---- private helpers ----

const INSERT_ROWS = 2_000;

const COLUMNS = [
  "customerId",
  "category",
  "nextPurchaseAt",
  "windowStart",
  "windowEnd",
  "confidence",
  "toleranceDays",
  "intervalDays",
  "lastPurchasedAt",
  "overdue",
  "reason",
  "usualProducts",
  "source",
  "model",
  "generatedAt",
  "expiresAt",
] as const;

type Row = Record<(typeof COLUMNS)[number], string | number | boolean | Date>;

function toRow(customer: CustomerPredictions, p: PredictionRecord): Row {
  return {
    customerId: customer.customerId,
    category: p.category,
    nextPurchaseAt: new Date(p.nextPurchaseAt),
    windowStart: new Date(p.windowStart),
    windowEnd: new Date(p.windowEnd),
    confidence: p.confidence,
    toleranceDays: p.toleranceDays,
    intervalDays: p.intervalDays,
    lastPurchasedAt: new Date(p.lastPurchasedAt),
    overdue: p.overdue,
    reason: p.reason,
    usualProducts: JSON.stringify(p.usualProducts),
    source: p.source,
    model: p.model,
    generatedAt: new Date(customer.generatedAt),
    expiresAt: new Date(customer.expiresAt),
  };
}
