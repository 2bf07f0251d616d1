// The serving path's history read: the newest 20 baskets of every customer in a batch, with their
// items' products, in ONE statement (a cold page of customers costs one round trip, whatever its
// size). Each customer's lines come back as one JSON text built by the database: hundreds of
// thousands of lines per batch job chunk would otherwise each become a row object in the driver.
// history-source.ts reads whole histories for fitting priors and backtests.
import type { CustomerHistory, HistoryPurchase } from "../../analysis/contract";
import { MAX_PURCHASES } from "../../analysis/contract";
import type { DatabaseProvider } from "../../config";
import type { Db } from "../../db/client";
import { Prisma } from "../../generated/prisma/sqlite/client";

/**
 * The newest `limit` purchases of each customer, as analyzer input, in the order of `customerIds`
 * (repeats once). `customerId` of each history is the database id as a string: nothing identifying
 * the person. A customer without purchases (or without a row) gets an empty history.
 *
 * @example
 *   const [ana] = await loadRecentHistories(db, "sqlite", [42]); // { customerId: "42", purchases: [...] }
 */
export async function loadRecentHistories(
  db: Db,
  provider: DatabaseProvider,
  customerIds: readonly number[],
  limit = MAX_PURCHASES,
): Promise<CustomerHistory[]> {
  const ids = [...new Set(customerIds)];
  if (!ids.length) return [];
  if (ids.length > MAX_CUSTOMERS_PER_READ) {
    throw new RangeError(
      `customerIds: expected at most ${MAX_CUSTOMERS_PER_READ} per read, got ${ids.length}`,
    );
  }
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new RangeError(`limit: expected a whole number of at least 1, got ${limit}`);
  }
  const rows = await db.$queryRaw<Array<{ customerId: number | bigint; lines: string }>>(
    provider === "postgresql" ? postgresQuery(ids, limit) : sqliteQuery(ids, limit),
  );
  const byCustomer = new Map<number, HistoryPurchase[]>();
  const strings = new Interner();
  for (const row of rows) {
    byCustomer.set(Number(row.customerId), toPurchases(JSON.parse(row.lines) as Line[], limit, strings));
  }
  return ids.map((id) => ({ customerId: String(id), purchases: byCustomer.get(id) ?? [] }));
}

/** Customers one read takes: far below both databases' bind-parameter limits. */
export const MAX_CUSTOMERS_PER_READ = 10_000;

// ---- private helpers ----

/**
 * [purchase id, purchasedAt, sku, product name, category, quantity, line id]. Unordered: sorting
 * inside the aggregate cost the database 40 % of the read; a customer's few hundred lines sort here.
 */
type Line = [number, string, string, string, string, number, number];

// SQLite: each customer's `limit`-th newest purchase time is one seek in the (customerId,
// purchasedAt DESC) index; the lines at or after it are joined in. Ties at that instant may add a few
// baskets more, which toPurchases drops.
function sqliteQuery(ids: number[], limit: number) {
  return Prisma.sql`
    SELECT w."customerId",
           json_group_array(json_array(p."id", p."purchasedAt", pr."sku", pr."name", pr."category", i."quantity", i."id")) AS "lines"
    FROM (
      SELECT c."id" AS "customerId",
             (SELECT q."purchasedAt" FROM "Purchase" q WHERE q."customerId" = c."id"
              ORDER BY q."purchasedAt" DESC LIMIT 1 OFFSET ${limit - 1}) AS "since"
      FROM "Customer" c WHERE c."id" IN (${Prisma.join(ids)})
    ) w
    JOIN "Purchase" p ON p."customerId" = w."customerId" AND (w."since" IS NULL OR p."purchasedAt" >= w."since")
    JOIN "PurchaseItem" i ON i."purchaseId" = p."id"
    JOIN "Product" pr ON pr."id" = i."productId"
    GROUP BY w."customerId"`;
}

// PostgreSQL takes the newest `limit` purchases of each customer straight from the
// (customerId, purchasedAt DESC) index with a LATERAL subquery per customer.
function postgresQuery(ids: number[], limit: number) {
  return Prisma.sql`
    SELECT c."customerId",
           json_agg(json_build_array(p."id", p."purchasedAt", pr."sku", pr."name", pr."category", i."quantity", i."id"))::text AS "lines"
    FROM unnest(${ids}::int[]) AS c("customerId")
    CROSS JOIN LATERAL (
      SELECT q."id", q."purchasedAt" FROM "Purchase" q WHERE q."customerId" = c."customerId"
      ORDER BY q."purchasedAt" DESC, q."id" DESC LIMIT ${limit}
    ) p
    JOIN "PurchaseItem" i ON i."purchaseId" = p."id"
    JOIN "Product" pr ON pr."id" = i."productId"
    GROUP BY c."customerId"`;
}

/**
 * One string object per distinct SKU, name and category: JSON.parse makes a new string for every
 * line, and histories (and the predictions made from them) are kept in caches and samples.
 */
class Interner {
  readonly #strings = new Map<string, string>();

  get(text: string): string {
    const known = this.#strings.get(text);
    if (known !== undefined) return known;
    this.#strings.set(text, text);
    return text;
  }
}

/** Lines grouped into baskets, oldest first, the newest `limit` kept. */
function toPurchases(lines: Line[], limit: number, strings: Interner): HistoryPurchase[] {
  lines.sort((a, b) => a[6] - b[6]);
  const baskets = new Map<
    number,
    HistoryPurchase & { id: number; items: HistoryPurchase["items"][number][] }
  >();
  for (const [purchaseId, purchasedAt, sku, productName, category, quantity] of lines) {
    let basket = baskets.get(purchaseId);
    if (!basket) {
      basket = { id: purchaseId, purchasedAt: parseTimestamp(purchasedAt), items: [] };
      baskets.set(purchaseId, basket);
    }
    basket.items.push({
      sku: strings.get(sku),
      productName: strings.get(productName),
      category: strings.get(category),
      quantity: Number(quantity),
    });
  }
  const sorted = [...baskets.values()].sort(
    (a, b) => a.purchasedAt.getTime() - b.purchasedAt.getTime() || a.id - b.id,
  );
  return sorted
    .slice(Math.max(0, sorted.length - limit))
    .map(({ purchasedAt, items }) => ({ purchasedAt, items }));
}

/**
 * SQLite keeps Prisma's DateTime as "2026-11-24T13:35:00.000+00:00"; PostgreSQL's json of a
 * timestamp(3) has no zone ("2026-11-24T13:35:00") and is UTC, as Prisma writes it.
 */
function parseTimestamp(text: string): Date {
  return new Date(/(Z|[+-]\d\d:\d\d)$/.test(text) ? text : `${text}Z`);
}
