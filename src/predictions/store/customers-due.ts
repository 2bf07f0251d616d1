// customersDue's audience, ranked in the database: a category's current predictions by the
// probability of a purchase within N days, highest first (ties: the sooner nextPurchaseAt, then the
// lower customer id), a page after a keyset cursor. The probability is computed in SQL from the
// stored knots (the probabilityWithin column) between the same knots, with the same t and the same
// formula as probabilityWithin() in src/analysis/probability.ts, so the order is the order of
// Prediction.probability(withinDays). One statement per page; this process holds the page only,
// whatever the category's size, while the database reads two knots from each of the category's
// current rows (found by the (category, supersededAt, …) index) and keeps the best first + 1.
import { knotSegment } from "../../analysis/probability";
import type { DatabaseProvider } from "../../config";
import type { Db } from "../../db/client";
import { Prisma } from "../../generated/prisma/sqlite/client";
import type { PredictionRecord, PredictionSource } from "../customer-predictions";
import { storedTime } from "./prediction-store";

/** Where a page ends: the last row's sort key. */
export interface DueCursor {
  /** Exactly as the database computed it for that row (never rounded: the next page starts right after it). */
  probability: number;
  nextPurchaseAt: Date;
  customerId: number;
}

export interface DueQuery {
  /** The category exactly as stored (resolve a client's spelling first). */
  category: string;
  /** 1–365. */
  withinDays: number;
  /** 0–1: rows below it are left out. */
  minProbability: number;
  first: number;
  after?: DueCursor | undefined;
}

/** One ranked prediction with its customer. */
export interface DueRow {
  customer: {
    id: number;
    externalId: string;
    name: string;
    email: string | null;
    createdAt: Date;
    predictionsVersion: number;
  };
  record: PredictionRecord;
  generatedAt: Date;
  expiresAt: Date;
  /** The probability the database ranked the row by. */
  probability: number;
}

/**
 * The current, not yet fulfilled predictions of a category with a probability of at least
 * `minProbability` of a purchase within `withinDays`, ranked, after the cursor; `first + 1` rows so
 * the caller can tell whether more follow. Rows stored before predictions carried their
 * probabilities (probabilityWithin NULL) are left out until a refresh replaces them.
 */
export async function rankedPredictionsDue(
  db: Db,
  provider: DatabaseProvider,
  query: DueQuery,
): Promise<DueRow[]> {
  const sql = provider === "postgresql" ? POSTGRES : SQLITE;
  const { lower, upper, t } = knotSegment(query.withinDays);
  const after = query.after;
  const keyset = after
    ? Prisma.sql`AND (r."probability" < ${sql.number(after.probability)}
        OR (r."probability" = ${sql.number(after.probability)}
          AND (r."nextPurchaseAt" > ${sql.time(after.nextPurchaseAt)}
            OR (r."nextPurchaseAt" = ${sql.time(after.nextPurchaseAt)} AND r."customerId" > ${after.customerId}))))`
    : Prisma.empty;
  // The two knots are read out of each row's JSON once (a materialized CTE of narrow rows: the
  // expression below names each several times, and the planners would otherwise read them again
  // for each), ranked and cut to the page, and only then joined to the page's full rows and customers.
  const rows = await db.$queryRaw<RawRow[]>`
    WITH k AS MATERIALIZED (
      SELECT p."id", p."customerId", p."nextPurchaseAt", ${sql.knot(lower)} AS "pa", ${sql.knot(upper)} AS "pb"
      FROM "Prediction" p
      WHERE p."category" = ${query.category} AND p."supersededAt" IS NULL AND p."fulfilledAt" IS NULL
        AND p."probabilityWithin" IS NOT NULL
    )
    SELECT d."probability", ${COLUMNS}, c."externalId" AS "customerExternalId", c."name" AS "customerName",
      c."email" AS "customerEmail", c."createdAt" AS "customerCreatedAt",
      c."predictionsVersion" AS "customerPredictionsVersion"
    FROM (
      SELECT r.* FROM (
        SELECT k."id", k."customerId", k."nextPurchaseAt", ${probabilitySql(sql, lower === upper, t)} AS "probability"
        FROM k
      ) r
      WHERE r."probability" >= ${sql.number(query.minProbability)} ${keyset}
      ORDER BY r."probability" DESC, r."nextPurchaseAt" ASC, r."customerId" ASC
      LIMIT ${query.first + 1}
    ) d
    JOIN "Prediction" p ON p."id" = d."id"
    JOIN "Customer" c ON c."id" = d."customerId"
    ORDER BY d."probability" DESC, d."nextPurchaseAt" ASC, d."customerId" ASC`;
  return rows.map(toDueRow);
}

// ---- private helpers ----

/** How each database reads a knot and takes a parameter. */
interface Dialect {
  /** The stored knot at this index of PROBABILITY_DAYS, as a double. */
  knot(index: number): Prisma.Sql;
  number(value: number): Prisma.Sql;
  time(value: Date): Prisma.Sql;
}

const POSTGRES: Dialect = {
  knot: (index) => Prisma.raw(`(p."probabilityWithin" -> ${index})::float8`),
  number: (value) => Prisma.sql`${value}::float8`,
  time: (value) => Prisma.sql`${storedTime("postgresql")(value.toISOString())}::timestamp(3)`,
};

// ->> gives 0 and 1 as integers: CAST keeps every knot (and so every probability) a double.
const SQLITE: Dialect = {
  knot: (index) => Prisma.raw(`CAST(p."probabilityWithin" ->> ${index} AS REAL)`),
  number: (value) => Prisma.sql`${value}`,
  time: (value) => Prisma.sql`${storedTime("sqlite")(value.toISOString())}`,
};

/**
 * probabilityWithin(prediction, withinDays) in SQL, over the knots either side (k."pa", k."pb"): at a
 * knot, the knot; between two, a constant hazard (1 − Sa^(1−t)·Sb^t), or a straight line where either
 * survival is 0. Same operations in the same order; only the database's pow() may differ from
 * JavaScript's in the last binary digit.
 */
function probabilitySql(sql: Dialect, atKnot: boolean, t: number): Prisma.Sql {
  if (atKnot) return Prisma.sql`k."pa"`;
  const [pa, pb] = [Prisma.raw(`k."pa"`), Prisma.raw(`k."pb"`)];
  return Prisma.sql`CASE WHEN 1 - ${pb} <= 0 OR 1 - ${pa} <= 0 THEN ${pa} + ${sql.number(t)} * (${pb} - ${pa})
    ELSE 1 - power(1 - ${pa}, ${sql.number(1 - t)}) * power(1 - ${pb}, ${sql.number(t)}) END`;
}

const COLUMNS = Prisma.raw(
  [
    "customerId",
    "category",
    "nextPurchaseAt",
    "windowStart",
    "windowEnd",
    "confidence",
    "toleranceDays",
    "intervalDays",
    "probabilityWithin",
    "lastPurchasedAt",
    "overdue",
    "reason",
    "usualProducts",
    "source",
    "model",
    "generatedAt",
    "expiresAt",
  ]
    .map((column) => `p."${column}"`)
    .join(", "),
);

/** A row as the drivers hand it over: SQLite gives JSON as text, booleans and some integers as numbers. */
interface RawRow {
  customerId: number | bigint;
  category: string;
  nextPurchaseAt: Date | string;
  windowStart: Date | string;
  windowEnd: Date | string;
  confidence: number;
  toleranceDays: number;
  intervalDays: number;
  probabilityWithin: number[] | string;
  lastPurchasedAt: Date | string;
  overdue: boolean | number | bigint;
  reason: string;
  usualProducts: string;
  source: string;
  model: string;
  generatedAt: Date | string;
  expiresAt: Date | string;
  probability: number;
  customerExternalId: string;
  customerName: string;
  customerEmail: string | null;
  customerCreatedAt: Date | string;
  customerPredictionsVersion: number | bigint;
}

function toDueRow(row: RawRow): DueRow {
  const iso = (value: Date | string) => toDate(value).toISOString();
  return {
    customer: {
      id: Number(row.customerId),
      externalId: row.customerExternalId,
      name: row.customerName,
      email: row.customerEmail,
      createdAt: toDate(row.customerCreatedAt),
      predictionsVersion: Number(row.customerPredictionsVersion),
    },
    record: {
      category: row.category,
      usualProducts: JSON.parse(row.usualProducts) as PredictionRecord["usualProducts"],
      nextPurchaseAt: iso(row.nextPurchaseAt),
      windowStart: iso(row.windowStart),
      windowEnd: iso(row.windowEnd),
      confidence: row.confidence,
      toleranceDays: row.toleranceDays,
      intervalDays: row.intervalDays,
      probabilityWithin:
        typeof row.probabilityWithin === "string"
          ? (JSON.parse(row.probabilityWithin) as number[])
          : row.probabilityWithin,
      lastPurchasedAt: iso(row.lastPurchasedAt),
      overdue: Boolean(Number(row.overdue)),
      reason: row.reason,
      source: row.source as PredictionSource,
      model: row.model,
    },
    generatedAt: toDate(row.generatedAt),
    expiresAt: toDate(row.expiresAt),
    probability: Number(row.probability),
  };
}

/** Prisma's SQLite text ("…+00:00") or a zone-less PostgreSQL timestamp (UTC), or a Date already. */
function toDate(value: Date | string): Date {
  if (value instanceof Date) return value;
  return new Date(/(Z|[+-]\d\d:\d\d)$/.test(value) ? value : `${value}Z`);
}
