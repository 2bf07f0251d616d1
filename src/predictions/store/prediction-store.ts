// The Prediction table: every customer's current predictions (supersededAt IS NULL) for audience
// queries, the superseded ones as history, and each prediction's outcome once the customer buys the
// category (for live accuracy).
import { DayClock } from "../../analysis/calendar";
import type { DatabaseProvider } from "../../config";
import { chunks } from "../../db/batching";
import type { Db } from "../../db/client";
import { Prisma } from "../../generated/prisma/sqlite/client";
import type { CustomerPredictions, PredictionRecord, PredictionSource } from "../customer-predictions";

/**
 * Makes these the customers' current predictions: each customer's previous current ones are marked
 * superseded (kept as history) and the new ones inserted. A customer's whole set goes in one INSERT
 * and the database's triggers supersede the previous set in that same statement (a customer left
 * with no predictions is sent as a marker row that supersedes and is not stored), so an audience
 * query never sees a customer with none or with two sets, and no transaction is needed: a page of
 * customers is one statement. A failure part-way through a large batch leaves whole customers
 * written or not; writing them again is harmless.
 *
 * Writing the same customers twice is harmless, even at once (a batch chunk delivered twice): a set
 * already current is not inserted again, and on PostgreSQL writers of the same customer take turns
 * (a transaction-scoped advisory lock per customer), because under READ COMMITTED two concurrent
 * INSERTs do not see each other's rows and would both stay current.
 *
 * One customer's bad row never keeps the others out: a statement that fails while the database
 * still answers is written again one customer at a time. Returns the customers that could not be
 * written, with why.
 *
 * @throws the database's error when it does not answer at all (nothing more is tried then).
 */
export async function saveCurrentPredictions(
  db: Db,
  provider: DatabaseProvider,
  batch: readonly CustomerPredictions[],
): Promise<Map<number, unknown>> {
  const failed = new Map<number, unknown>();
  const insert = (customers: readonly CustomerPredictions[]) => {
    const rows = customers.flatMap((c) => rowsOf(c, provider));
    if (provider === "sqlite") return db.$executeRaw(sqliteInsert(rows));
    const ids = [...new Set(customers.map((c) => c.customerId))].sort((a, b) => a - b);
    return db.$transaction([db.$queryRaw(lockCustomers(ids)), db.$executeRaw(postgresInsert(rows))]);
  };
  for (const customers of chunks(batch, CUSTOMERS_PER_INSERT)) {
    try {
      await insert(customers);
    } catch (error) {
      if (!(await answers(db))) throw error;
      if (customers.length === 1) failed.set(customers[0]!.customerId, error);
      else {
        for (const customer of customers) {
          await insert([customer]).catch((single: unknown) => failed.set(customer.customerId, single));
        }
      }
    }
  }
  return failed;
}

export interface Outcome {
  category: string;
  /** |purchase day − predicted day| in whole calendar days. */
  errorDays: number;
  inWindow: boolean;
}

/**
 * Records that the customer bought the purchase's categories. Per category, the prediction scored is
 * the FIRST one made since the category's previous purchase (the earliest still open, current or
 * superseded): scoring the current one instead would grade a daily refresh on forecasts made the day
 * before the purchase. Every other open prediction of that cycle is closed (fulfilledAt set, no
 * error), so one purchase is scored once. Returns the outcomes scored.
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
      fulfilledAt: null,
      generatedAt: { lte: purchasedAt },
    },
    orderBy: [{ generatedAt: "asc" }, { id: "asc" }],
    select: {
      id: true,
      category: true,
      lastPurchasedAt: true,
      nextPurchaseAt: true,
      windowStart: true,
      windowEnd: true,
    },
  });
  if (!open.length) return [];
  // The cycle being closed: the predictions made since the category's latest previous purchase.
  const cycleStart = new Map<string, number>();
  for (const p of open) {
    cycleStart.set(p.category, Math.max(cycleStart.get(p.category) ?? 0, p.lastPurchasedAt.getTime()));
  }
  const day = clock.dayOf(purchasedAt);
  const scored = new Map<string, { id: number; errorDays: number; inWindow: boolean }>();
  for (const p of open) {
    if (scored.has(p.category) || p.lastPurchasedAt.getTime() !== cycleStart.get(p.category)) continue;
    scored.set(p.category, {
      id: p.id,
      errorDays: Math.abs(day - clock.dayOf(p.nextPurchaseAt)),
      inWindow: clock.dayOf(p.windowStart) <= day && day <= clock.dayOf(p.windowEnd),
    });
  }
  const scoredIds = [...scored.values()].map((o) => o.id);
  // fulfilledAt: null in every where: a concurrent purchase that got there first keeps its outcome.
  await db.$transaction([
    ...[...scored.values()].map(({ id, errorDays, inWindow }) =>
      db.prediction.updateMany({
        where: { id, fulfilledAt: null },
        data: { fulfilledAt: purchasedAt, errorDays, inWindow },
      }),
    ),
    db.prediction.updateMany({
      where: { id: { in: open.map((p) => p.id).filter((id) => !scoredIds.includes(id)) }, fulfilledAt: null },
      data: { fulfilledAt: purchasedAt },
    }),
  ]);
  return [...scored].map(([category, { errorDays, inWindow }]) => ({ category, errorDays, inWindow }));
}

export interface SourceAccuracy {
  source: PredictionSource;
  /** Purchase cycles scored: the first prediction after a purchase, graded by the next one. */
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
    where: { fulfilledAt: { gte: since }, errorDays: { not: null }, ...(source ? { source } : {}) },
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

/** The start of the day after today + withinDays in the prediction calendar: "due by then". */
export function dueBefore(clock: DayClock, now: Date, withinDays: number): Date {
  return clock.startOf(clock.dayOf(now) + withinDays + 1);
}

/**
 * A time as raw SQL must write it: SQLite compares Prisma's DateTime text, so it must be written
 * exactly as Prisma writes it.
 */
export function storedTime(provider: DatabaseProvider): (iso: string) => string {
  return provider === "sqlite" ? (iso) => iso.replace(/Z$/, "+00:00") : (iso) => iso;
}

// ---- private helpers ----

/** Whether the database answers a trivial query: a failed statement was its own fault, not an outage. */
async function answers(db: Db): Promise<boolean> {
  try {
    await db.$queryRaw`SELECT 1`;
    return true;
  } catch {
    return false;
  }
}

/**
 * Customers per INSERT: the largest GraphQL page (MAX_PAGE_SIZE), so a cold page is one statement
 * (about 2,000 rows with 20 categories each). All rows travel as ONE JSON parameter, unpacked by the
 * database (json_each, jsonb_to_recordset): per-parameter work in the driver adapter was most of a
 * batch write's time. The statements stay this small because Prisma keeps its last 100 debug
 * messages, with their parameters, in memory.
 */
const CUSTOMERS_PER_INSERT = 100;

/** A Prediction row as inserted: the served record, with its customer's columns, products as JSON. */
type Row = Omit<PredictionRecord, "usualProducts"> &
  Pick<CustomerPredictions, "customerId" | "generatedAt" | "expiresAt"> & { usualProducts: string };

/** An empty set: the other columns are NULL, and the triggers take a NULL category as this marker. */
type EmptySetMarker = Pick<Row, "customerId" | "generatedAt">;

const COLUMNS: ReadonlyArray<[keyof Row, string]> = [
  ["customerId", "integer"],
  ["category", "text"],
  ["nextPurchaseAt", "timestamp(3)"],
  ["windowStart", "timestamp(3)"],
  ["windowEnd", "timestamp(3)"],
  ["confidence", "double precision"],
  ["toleranceDays", "double precision"],
  ["intervalDays", "double precision"],
  ["probabilityWithin", "jsonb"],
  ["lastPurchasedAt", "timestamp(3)"],
  ["overdue", "boolean"],
  ["reason", "text"],
  ["usualProducts", "text"],
  ["source", "text"],
  ["model", "text"],
  ["generatedAt", "timestamp(3)"],
  ["expiresAt", "timestamp(3)"],
];

const columnList = Prisma.raw(COLUMNS.map(([name]) => `"${name}"`).join(", "));

// SQLite gets each row as an array in COLUMNS order: half the text of objects to pass through Prisma
// and for SQLite to parse (json_each hands every element over as text, parsed again per column).
function sqliteInsert(rows: Array<Row | EmptySetMarker>) {
  const values = Prisma.raw(COLUMNS.map((_, i) => `value ->> ${i}`).join(", "));
  const arrays = rows.map((row: Partial<Row>) => COLUMNS.map(([name]) => row[name] ?? null));
  const customerId = Prisma.raw(`value ->> ${COLUMNS.findIndex(([name]) => name === "customerId")}`);
  const generatedAt = Prisma.raw(`value ->> ${COLUMNS.findIndex(([name]) => name === "generatedAt")}`);
  return Prisma.sql`INSERT INTO "Prediction" (${columnList}) SELECT ${values} FROM json_each(${JSON.stringify(arrays)})
    WHERE NOT EXISTS (${currentSet(customerId, generatedAt)})`;
}

// PostgreSQL asks "already current?" once per set rather than once per row (a customer's ~22 rows
// share one answer): 2,200 index probes became 100, and the statement ≈ 35 % faster (measured with
// EXPLAIN ANALYZE on a 10,000-customer database).
function postgresInsert(rows: Array<Row | EmptySetMarker>) {
  const record = Prisma.raw(COLUMNS.map(([name, type]) => `"${name}" ${type}`).join(", "));
  const stored = currentSet(Prisma.raw('s."customerId"'), Prisma.raw('s."generatedAt"'));
  return Prisma.sql`WITH r AS MATERIALIZED (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(${record})
    ), stored AS (
      SELECT s."customerId", s."generatedAt" FROM (SELECT DISTINCT "customerId", "generatedAt" FROM r) AS s
      WHERE EXISTS (${stored})
    )
    INSERT INTO "Prediction" (${columnList})
    SELECT ${columnList} FROM r
    WHERE NOT EXISTS (
      SELECT 1 FROM stored WHERE stored."customerId" = r."customerId" AND stored."generatedAt" = r."generatedAt")`;
}

/** The customer's current set made at that time, if stored already (this very set, written before). */
function currentSet(customerId: Prisma.Sql, generatedAt: Prisma.Sql) {
  return Prisma.sql`SELECT 1 FROM "Prediction" p
    WHERE p."customerId" = ${customerId} AND p."supersededAt" IS NULL AND p."generatedAt" = ${generatedAt}`;
}

/** Transaction-scoped advisory locks on the customers, in id order (two writers never deadlock). */
function lockCustomers(sortedIds: readonly number[]) {
  return Prisma.sql`SELECT pg_advisory_xact_lock(${CUSTOMER_WRITE_LOCK}::int, id::int)::text AS "locked"
    FROM jsonb_array_elements_text(${JSON.stringify(sortedIds)}::jsonb) AS id`;
}

/** First key of the customer write locks ("cai prediction write"); the second is the customer id. */
const CUSTOMER_WRITE_LOCK = 1_128_351_063;

function rowsOf(customer: CustomerPredictions, provider: DatabaseProvider): Array<Row | EmptySetMarker> {
  const time = storedTime(provider);
  if (!customer.predictions.length) {
    return [{ customerId: customer.customerId, generatedAt: time(customer.generatedAt) }];
  }
  return customer.predictions.map((p) => toRow(customer, p, time));
}

function toRow(customer: CustomerPredictions, p: PredictionRecord, time: (iso: string) => string): Row {
  return {
    customerId: customer.customerId,
    category: p.category,
    nextPurchaseAt: time(p.nextPurchaseAt),
    windowStart: time(p.windowStart),
    windowEnd: time(p.windowEnd),
    confidence: p.confidence,
    toleranceDays: p.toleranceDays,
    intervalDays: p.intervalDays,
    probabilityWithin: p.probabilityWithin,
    lastPurchasedAt: time(p.lastPurchasedAt),
    overdue: p.overdue,
    reason: p.reason,
    usualProducts: JSON.stringify(p.usualProducts),
    source: p.source,
    model: p.model,
    generatedAt: time(customer.generatedAt),
    expiresAt: time(customer.expiresAt),
  };
}
