// Reads customer histories for the analyzers from the database: each customer's newest purchases with
// their items and each item's product category. Batch-first (a few statements per batch of customers,
// however many), and memory-bounded when iterating a whole database: customers are walked in id order
// with keyset pagination, one chunk at a time, and products are looked up once per run.
import type { CustomerHistory, HistoryItem, HistoryPurchase } from "../../analysis/contract";
import { MAX_PURCHASES } from "../../analysis/contract";
import { BIND_SAFE_ROWS, chunks } from "../../db/batching";
import type { Db } from "../../db/client";
import { Prisma } from "../../generated/prisma/sqlite/client";

/** A history as stored: `customerId` is the customer's externalId (the retailer's id). */
export interface StoredHistory extends CustomerHistory {
  /** Customer.id */
  databaseId: number;
}

export interface HistoryReadOptions {
  /**
   * Newest purchases per customer (default MAX_PURCHASES, 20, what the analyzers look at);
   * Infinity reads whole histories (backtests, fitting priors).
   */
  purchasesPerCustomer?: number;
}

export interface HistoryIterationOptions extends HistoryReadOptions {
  /** Customers read per chunk (default 200): memory holds one chunk. */
  chunkSize?: number;
}

/**
 * Products by id, filled on demand and kept for the reader's life: a catalogue is small next to the
 * purchases, and most chunks reuse the same products.
 */
export class ProductLookup {
  private readonly products = new Map<number, Omit<HistoryItem, "quantity">>();

  constructor(private readonly db: Db) {}

  async ensure(productIds: Iterable<number>): Promise<void> {
    const missing = [...new Set(productIds)].filter((id) => !this.products.has(id));
    for (const batch of chunks(missing, PRISMA_IN_LIST)) {
      const rows = await this.db.product.findMany({
        where: { id: { in: batch } },
        select: { id: true, sku: true, name: true, category: true },
      });
      for (const row of rows)
        this.products.set(row.id, { sku: row.sku, productName: row.name, category: row.category });
    }
  }

  get(productId: number): Omit<HistoryItem, "quantity"> {
    const product = this.products.get(productId);
    if (!product)
      throw new Error(`product ${productId}: expected it in the database (ensure() first), found none`);
    return product;
  }
}

/**
 * The histories of the given customers, in the order of `customerIds` (repeats once); ids without a
 * customer are left out. Purchases come oldest first.
 *
 * @example
 *   const [ana] = await loadHistories(db.prisma, [42]);
 *   ana.purchases.length; // ≤ 20
 */
export async function loadHistories(
  db: Db,
  customerIds: readonly number[],
  options: HistoryReadOptions = {},
  products = new ProductLookup(db),
): Promise<StoredHistory[]> {
  const limit = options.purchasesPerCustomer ?? MAX_PURCHASES;
  if (!(limit >= 1)) {
    throw new RangeError(`purchasesPerCustomer: expected at least 1 (or Infinity), got ${limit}`);
  }
  const ids = [...new Set(customerIds)];
  const customers = new Map<number, string>();
  for (const batch of chunks(ids, PRISMA_IN_LIST)) {
    const rows = await db.customer.findMany({
      where: { id: { in: batch } },
      select: { id: true, externalId: true },
    });
    for (const row of rows) customers.set(row.id, row.externalId);
  }

  const purchaseIds = await newestPurchaseIds(db, [...customers.keys()], limit);
  const purchases = new Map<
    number,
    { customerId: number; purchase: HistoryPurchase & { items: HistoryItem[] } }
  >();
  for (const batch of chunks(purchaseIds, PRISMA_IN_LIST)) {
    const rows = await db.purchase.findMany({
      where: { id: { in: batch } },
      select: { id: true, customerId: true, purchasedAt: true },
    });
    for (const row of rows) {
      purchases.set(row.id, {
        customerId: row.customerId,
        purchase: { purchasedAt: row.purchasedAt, items: [] },
      });
    }
  }
  for (const batch of chunks(purchaseIds, BIND_SAFE_ROWS)) {
    // Raw SQL: thousands of ids per statement, beyond Prisma's own limit for SQLite.
    const rows = await db.$queryRaw<ItemRow[]>`
      SELECT "purchaseId", "productId", "quantity" FROM "PurchaseItem"
      WHERE "purchaseId" IN (${Prisma.join(batch)}) ORDER BY "id"`;
    await products.ensure(rows.map((row) => Number(row.productId)));
    for (const row of rows) {
      const item = { ...products.get(Number(row.productId)), quantity: Number(row.quantity) };
      purchases.get(Number(row.purchaseId))!.purchase.items.push(item);
    }
  }

  const byCustomer = new Map<number, HistoryPurchase[]>([...customers.keys()].map((id) => [id, []]));
  for (const { customerId, purchase } of purchases.values()) byCustomer.get(customerId)!.push(purchase);
  const histories: StoredHistory[] = [];
  for (const id of ids) {
    const externalId = customers.get(id);
    if (externalId === undefined) continue;
    const own = byCustomer.get(id)!;
    own.sort((a, b) => a.purchasedAt.getTime() - b.purchasedAt.getTime());
    histories.push({ customerId: externalId, databaseId: id, purchases: own });
  }
  return histories;
}

/**
 * Every customer's history, in customer id order, one chunk of customers in memory at a time.
 *
 * @example
 *   for await (const history of iterateHistories(db.prisma, { purchasesPerCustomer: Infinity })) builder.add(history);
 */
export async function* iterateHistories(
  db: Db,
  options: HistoryIterationOptions = {},
): AsyncGenerator<StoredHistory> {
  const chunkSize = options.chunkSize ?? 200;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) {
    throw new RangeError(`chunkSize: expected a whole number of at least 1, got ${chunkSize}`);
  }
  const products = new ProductLookup(db);
  let after = 0;
  for (;;) {
    const page = await db.customer.findMany({
      where: { id: { gt: after } },
      orderBy: { id: "asc" },
      take: chunkSize,
      select: { id: true },
    });
    if (!page.length) return;
    after = page[page.length - 1]!.id;
    yield* await loadHistories(
      db,
      page.map((row) => row.id),
      options,
      products,
    );
  }
}

// ---- private helpers ----

/** A PurchaseItem row as raw SQL returns it (SQLite may hand integers over as bigint). */
interface ItemRow {
  purchaseId: number | bigint;
  productId: number | bigint;
  quantity: number;
}

/** Ids per Prisma `in` list: Prisma's own bind limit for SQLite is 999 (raw SQL takes far more). */
const PRISMA_IN_LIST = 900;

/** Ids of each customer's newest `limit` purchases (all of them for Infinity). */
async function newestPurchaseIds(db: Db, customerIds: readonly number[], limit: number): Promise<number[]> {
  const ids: number[] = [];
  for (const batch of chunks(customerIds, PRISMA_IN_LIST)) {
    if (limit === Number.POSITIVE_INFINITY) {
      const rows = await db.purchase.findMany({ where: { customerId: { in: batch } }, select: { id: true } });
      for (const row of rows) ids.push(row.id);
      continue;
    }
    // A window query, so a long history is never loaded to keep its newest 20; the
    // (customerId, purchasedAt DESC) index serves it.
    const rows = await db.$queryRaw<Array<{ id: number | bigint }>>`
      SELECT "id" FROM (
        SELECT "id", ROW_NUMBER() OVER (
          PARTITION BY "customerId" ORDER BY "purchasedAt" DESC, "id" DESC
        ) AS "newness"
        FROM "Purchase" WHERE "customerId" IN (${Prisma.join(batch)})
      ) ranked WHERE "newness" <= ${limit}`;
    for (const row of rows) ids.push(Number(row.id));
  }
  return ids;
}
