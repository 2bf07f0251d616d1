// The serving path's history read: the newest 20 baskets of every customer in a batch, with their
// items' products, in ONE statement (a cold page of customers costs one round trip, whatever its
// size). history-source.ts reads the same data in several statements for the batch jobs, which
// also need whole histories and keyset iteration.
import type { CustomerHistory, HistoryItem, HistoryPurchase } from "../analysis/contract";
import { MAX_PURCHASES } from "../analysis/contract";
import type { Db } from "../db/client";
import { Prisma } from "../generated/prisma/sqlite/client";

/**
 * The newest `limit` purchases of each customer, as analyzer input, in the order of `customerIds`
 * (repeats once). `customerId` of each history is the database id as a string: nothing identifying
 * the person. A customer without purchases (or without a row) gets an empty history.
 *
 * @example
 *   const [ana] = await loadRecentHistories(db, [42]); // { customerId: "42", purchases: [...] }
 */
export async function loadRecentHistories(
  db: Db,
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
  // The window function picks each customer's newest rows through the (customerId, purchasedAt)
  // index, so a long history is never read whole.
  const rows = await db.$queryRaw<HistoryRow[]>`
    SELECT ranked."customerId", ranked."id" AS "purchaseId", ranked."purchasedAt",
           product."sku", product."name", product."category", item."quantity"
    FROM (
      SELECT "id", "customerId", "purchasedAt", ROW_NUMBER() OVER (
        PARTITION BY "customerId" ORDER BY "purchasedAt" DESC, "id" DESC
      ) AS "newness"
      FROM "Purchase" WHERE "customerId" IN (${Prisma.join(ids)})
    ) ranked
    JOIN "PurchaseItem" item ON item."purchaseId" = ranked."id"
    JOIN "Product" product ON product."id" = item."productId"
    WHERE ranked."newness" <= ${limit}
    ORDER BY ranked."customerId", ranked."purchasedAt", ranked."id", item."id"`;

  const byCustomer = new Map<number, HistoryPurchase[]>(ids.map((id) => [id, []]));
  let purchaseId: number | undefined;
  let items: HistoryItem[] = [];
  for (const row of rows) {
    const id = Number(row.purchaseId);
    if (id !== purchaseId) {
      purchaseId = id;
      items = [];
      byCustomer.get(Number(row.customerId))!.push({ purchasedAt: toDate(row.purchasedAt), items });
    }
    items.push({
      sku: row.sku,
      productName: row.name,
      category: row.category,
      quantity: Number(row.quantity),
    });
  }
  return ids.map((id) => ({ customerId: String(id), purchases: byCustomer.get(id)! }));
}

/** Customers one read takes: far below both databases' bind-parameter limits. */
export const MAX_CUSTOMERS_PER_READ = 10_000;

// ---- private helpers ----

interface HistoryRow {
  customerId: number | bigint;
  purchaseId: number | bigint;
  purchasedAt: Date | string;
  sku: string;
  name: string;
  category: string;
  quantity: number;
}

function toDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value);
}
