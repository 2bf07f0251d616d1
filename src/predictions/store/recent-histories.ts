// The serving path's history read: the newest 20 baskets of every customer in a batch, in ONE
// statement, then their products in one more (a cold page of customers costs two round trips, whatever
// its size). Each customer's baskets come back as one JSON text built by the database, each basket
// with its lines as [product id, quantity, line id]: hundreds of thousands of lines per batch job
// chunk would otherwise each become a row object in the driver, and writing each line's product
// strings into that JSON was two thirds of the database's time for the read (measured on 10,000
// customers: 285 ms against 87 ms per 500 customers). history-source.ts reads whole histories for
// fitting priors and backtests.
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
  const rows = await db.$queryRaw<Array<{ customerId: number | bigint; baskets: string }>>(
    provider === "postgresql" ? postgresQuery(ids, limit) : sqliteQuery(ids, limit),
  );
  const parsed = rows.map((row) => ({
    customerId: Number(row.customerId),
    baskets: JSON.parse(row.baskets) as Basket[],
  }));
  const products = await loadProducts(db, provider, parsed);
  const byCustomer = new Map<number, HistoryPurchase[]>();
  for (const { customerId, baskets } of parsed)
    byCustomer.set(customerId, toPurchases(baskets, limit, products));
  return ids.map((id) => ({ customerId: String(id), purchases: byCustomer.get(id) ?? [] }));
}

/** Customers one read takes: far below both databases' bind-parameter limits. */
export const MAX_CUSTOMERS_PER_READ = 10_000;

// ---- private helpers ----

/** [purchase id, purchasedAt, its lines (null: none), unordered]. */
type Basket = [number, string, Line[] | null];
/** [product id, quantity, line id]. */
type Line = [number, number, number];

/** What a line shows of its product; one object per product, shared by every line naming it. */
type ProductInfo = Pick<HistoryPurchase["items"][number], "sku" | "productName" | "category">;

// SQLite: each customer's `limit`-th newest purchase time is one seek in the (customerId,
// purchasedAt DESC) index; the purchases at or after it are taken. Ties at that instant may add a few
// baskets more, which toPurchases drops. A subquery's JSON is text to json_array unless json() says so.
function sqliteQuery(ids: number[], limit: number) {
  return Prisma.sql`
    SELECT w."customerId",
           json_group_array(json_array(p."id", p."purchasedAt", json((
             SELECT json_group_array(json_array(i."productId", i."quantity", i."id"))
             FROM "PurchaseItem" i WHERE i."purchaseId" = p."id")))) AS "baskets"
    FROM (
      SELECT c."id" AS "customerId",
             (SELECT q."purchasedAt" FROM "Purchase" q WHERE q."customerId" = c."id"
              ORDER BY q."purchasedAt" DESC LIMIT 1 OFFSET ${limit - 1}) AS "since"
      FROM "Customer" c WHERE c."id" IN (${Prisma.join(ids)})
    ) w
    JOIN "Purchase" p ON p."customerId" = w."customerId" AND (w."since" IS NULL OR p."purchasedAt" >= w."since")
    GROUP BY w."customerId"`;
}

// PostgreSQL takes the newest `limit` purchases of each customer straight from the
// (customerId, purchasedAt DESC) index with a LATERAL subquery per customer; each basket's lines are
// a subquery on the (purchaseId, productId) index.
function postgresQuery(ids: number[], limit: number) {
  return Prisma.sql`
    SELECT c."customerId",
           json_agg(json_build_array(p."id", p."purchasedAt", (
             SELECT json_agg(json_build_array(i."productId", i."quantity", i."id"))
             FROM "PurchaseItem" i WHERE i."purchaseId" = p."id")))::text AS "baskets"
    FROM unnest(${ids}::int[]) AS c("customerId")
    CROSS JOIN LATERAL (
      SELECT q."id", q."purchasedAt" FROM "Purchase" q WHERE q."customerId" = c."customerId"
      ORDER BY q."purchasedAt" DESC, q."id" DESC LIMIT ${limit}
    ) p
    GROUP BY c."customerId"`;
}

/** The products the baskets' lines name, by id, in one statement. */
async function loadProducts(
  db: Db,
  provider: DatabaseProvider,
  customers: ReadonlyArray<{ baskets: Basket[] }>,
): Promise<Map<number, ProductInfo>> {
  const wanted = new Set<number>();
  for (const { baskets } of customers) {
    for (const [, , lines] of baskets) for (const [productId] of lines ?? []) wanted.add(productId);
  }
  if (!wanted.size) return new Map();
  const ids = JSON.stringify([...wanted]);
  const rows = await db.$queryRaw<
    Array<{ id: number | bigint; sku: string; name: string; category: string }>
  >(
    provider === "postgresql"
      ? Prisma.sql`SELECT "id", "sku", "name", "category" FROM "Product"
          WHERE "id" IN (SELECT value::int FROM jsonb_array_elements_text(${ids}::jsonb))`
      : Prisma.sql`SELECT "id", "sku", "name", "category" FROM "Product"
          WHERE "id" IN (SELECT value FROM json_each(${ids}))`,
  );
  return new Map(
    rows.map((row) => [Number(row.id), { sku: row.sku, productName: row.name, category: row.category }]),
  );
}

/**
 * Baskets oldest first with their lines in line order, the newest `limit` kept. A purchase without
 * lines is no basket (it was read, and counted in the database's `limit`, all the same).
 */
function toPurchases(
  baskets: Basket[],
  limit: number,
  products: ReadonlyMap<number, ProductInfo>,
): HistoryPurchase[] {
  const dated = baskets.flatMap(([id, purchasedAt, lines]) =>
    lines?.length ? [{ id, purchasedAt: parseTimestamp(purchasedAt), lines }] : [],
  );
  dated.sort((a, b) => a.purchasedAt.getTime() - b.purchasedAt.getTime() || a.id - b.id);
  return dated.slice(Math.max(0, dated.length - limit)).map(({ purchasedAt, lines }) => ({
    purchasedAt,
    items: lines
      .sort((a, b) => a[2] - b[2])
      .map(([productId, quantity]) => {
        const product = products.get(productId);
        // Lines reference products with ON DELETE RESTRICT: a product read a moment later is there.
        if (!product) throw new Error(`Product ${productId} of a purchase line was not found`);
        // A literal of one shape (not a spread): the analyzer reads millions of these.
        return { sku: product.sku, productName: product.productName, category: product.category, quantity };
      }),
  }));
}

/**
 * SQLite keeps Prisma's DateTime as "2026-11-24T13:35:00.000+00:00"; PostgreSQL's json of a
 * timestamp(3) has no zone ("2026-11-24T13:35:00") and is UTC, as Prisma writes it.
 */
function parseTimestamp(text: string): Date {
  return new Date(/(Z|[+-]\d\d:\d\d)$/.test(text) ? text : `${text}Z`);
}
