// Bulk purchase writes for the seeder and importers: one transaction per batch, idempotent by
// natural keys (customer externalId, purchase idempotencyKey, one line per product per purchase),
// so a re-run or a resumed run adds only what is missing and a crash never leaves half a batch.
// Every customer who gains a purchase or a line has their predictions version moved in that same
// transaction, so the API never serves predictions cached before the import.
import { BIND_SAFE_ROWS, chunks, lookupIds, uniqueBy } from "../db/batching";
import type { Db } from "../db/client";
import { isUniqueViolation } from "../db/errors";
import { insertRows, insertRowsReturning } from "../db/insert-rows";

export interface CustomerRecord {
  externalId: string;
  name: string;
  email?: string | null;
}

export interface PurchaseItemRecord {
  productId: number;
  /** > 0; may be fractional. */
  quantity: number;
  amount: number;
}

export interface PurchaseRecord {
  customerExternalId: string;
  /** Required here: it is what makes a bulk write re-runnable ("<source>:<order id>"). */
  idempotencyKey: string;
  purchasedAt: Date;
  storeId?: string | null;
  items: PurchaseItemRecord[];
}

export interface BatchResult {
  customersCreated: number;
  purchasesCreated: number;
  itemsCreated: number;
}

/**
 * Writes customers and their purchases in one transaction. Customers that exist are kept as they
 * are; a purchase whose idempotencyKey exists only receives the lines (products) it lacks, with its
 * total raised by their amounts, so an order split across batches still ends up whole and a repeated
 * batch writes nothing. Every purchase's customer must be in `customers` or already in the database.
 *
 * @example
 *   await writePurchaseBatch(db, [{ externalId: "42", name: "Household 42" }], [{
 *     customerExternalId: "42", idempotencyKey: "shop:1001", purchasedAt: new Date(),
 *     items: [{ productId: 7, quantity: 2, amount: 3.98 }],
 *   }]);
 */
export async function writePurchaseBatch(
  db: Db,
  customers: readonly CustomerRecord[],
  purchases: readonly PurchaseRecord[],
): Promise<BatchResult> {
  assertValidItems(purchases);
  const merged = mergeByKey(purchases);
  // A concurrent writer (another importer replica) can insert the same keys between our read and
  // our insert; the unique index rejects the loser, and a retry then sees the rows as existing.
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.$transaction((tx) => writeInTransaction(tx as Db, customers, merged), {
        maxWait: 30_000,
        timeout: 120_000,
      });
    } catch (error) {
      if (attempt >= 3 || !isUniqueViolation(error)) throw error;
    }
  }
}

// ---- private helpers ----

interface PurchaseRow {
  customerId: number;
  purchasedAt: Date;
  storeId: string | null;
  total: number;
  idempotencyKey: string;
  createdAt: Date;
}

const PURCHASE_COLUMNS = [
  "customerId",
  "purchasedAt",
  "storeId",
  "total",
  "idempotencyKey",
  "createdAt",
] as const;
const ITEM_COLUMNS = ["purchaseId", "productId", "quantity", "amount"] as const;

async function writeInTransaction(
  tx: Db,
  customers: readonly CustomerRecord[],
  purchases: readonly PurchaseRecord[],
): Promise<BatchResult> {
  const result: BatchResult = { customersCreated: 0, purchasesCreated: 0, itemsCreated: 0 };

  const customerIds = await lookupIds(
    [...customers.map((c) => c.externalId), ...purchases.map((p) => p.customerExternalId)],
    async (batch) =>
      (
        await tx.customer.findMany({
          where: { externalId: { in: batch } },
          select: { id: true, externalId: true },
        })
      ).map((c) => [c.externalId, c.id]),
  );
  const newCustomers = uniqueBy(customers, (c) => c.externalId).filter((c) => !customerIds.has(c.externalId));
  for (const batch of chunks(newCustomers, BIND_SAFE_ROWS)) {
    const rows = await tx.customer.createManyAndReturn({
      data: batch.map((c) => ({ externalId: c.externalId, name: c.name, email: c.email ?? null })),
      select: { id: true, externalId: true },
    });
    for (const row of rows) customerIds.set(row.externalId, row.id);
    result.customersCreated += rows.length;
  }

  const purchaseIds = await lookupIds(
    purchases.map((p) => p.idempotencyKey),
    async (batch) =>
      (
        await tx.purchase.findMany({
          where: { idempotencyKey: { in: batch } },
          select: { id: true, idempotencyKey: true },
        })
      ).map((p) => [p.idempotencyKey!, p.id]),
  );
  const existing = purchases.filter((p) => purchaseIds.has(p.idempotencyKey));
  const fresh = purchases.filter((p) => !purchaseIds.has(p.idempotencyKey));

  const createdAt = new Date();
  for (const batch of chunks(fresh, BIND_SAFE_ROWS)) {
    const rows = await insertRowsReturning<PurchaseRow, { id: number; idempotencyKey: string }>(
      tx,
      "Purchase",
      PURCHASE_COLUMNS,
      batch.map((p) => {
        const customerId = customerIds.get(p.customerExternalId);
        if (customerId === undefined) {
          throw new Error(
            `Purchase ${p.idempotencyKey}: no customer with externalId ${p.customerExternalId}`,
          );
        }
        return {
          customerId,
          purchasedAt: p.purchasedAt,
          storeId: p.storeId ?? null,
          total: cents(p.items.reduce((sum, item) => sum + item.amount, 0)),
          idempotencyKey: p.idempotencyKey,
          createdAt,
        };
      }),
      ["id", "idempotencyKey"],
    );
    for (const row of rows) purchaseIds.set(row.idempotencyKey, row.id);
    result.purchasesCreated += rows.length;
  }

  const items = fresh.flatMap((p) => p.items.map((item) => toRow(purchaseIds.get(p.idempotencyKey)!, item)));
  const completed = existing.length ? await missingLines(tx, existing, purchaseIds) : [];
  items.push(...completed.flatMap((c) => c.lines));
  for (const batch of chunks(items, BIND_SAFE_ROWS)) {
    result.itemsCreated += await insertRows(tx, "PurchaseItem", ITEM_COLUMNS, batch);
  }
  const changed = new Set([
    ...fresh.map((p) => customerIds.get(p.customerExternalId)!),
    ...completed.map((c) => c.customerId),
  ]);
  for (const batch of chunks([...changed], BIND_SAFE_ROWS)) {
    await tx.customer.updateMany({
      where: { id: { in: batch } },
      data: { predictionsVersion: { increment: 1 } },
    });
  }
  return result;
}

/**
 * Lines of already-stored purchases that the database lacks, with each such purchase's customer;
 * raises those purchases' totals.
 */
async function missingLines(tx: Db, existing: readonly PurchaseRecord[], purchaseIds: Map<string, number>) {
  const ids = existing.map((p) => purchaseIds.get(p.idempotencyKey)!);
  const stored = new Set<string>();
  for (const batch of chunks(ids, BIND_SAFE_ROWS)) {
    const rows = await tx.purchaseItem.findMany({
      where: { purchaseId: { in: batch } },
      select: { purchaseId: true, productId: true },
    });
    for (const row of rows) stored.add(`${row.purchaseId}:${row.productId}`);
  }
  const completed: Array<{ customerId: number; lines: ReturnType<typeof toRow>[] }> = [];
  for (const purchase of existing) {
    const purchaseId = purchaseIds.get(purchase.idempotencyKey)!;
    const added = purchase.items.filter((item) => !stored.has(`${purchaseId}:${item.productId}`));
    if (!added.length) continue;
    const increment = cents(added.reduce((sum, item) => sum + item.amount, 0));
    // The stored purchase's customer (whatever this record says) is the one whose history changes.
    const { customerId } = await tx.purchase.update({
      where: { id: purchaseId },
      data: { total: { increment } },
      select: { customerId: true },
    });
    completed.push({ customerId, lines: added.map((item) => toRow(purchaseId, item)) });
  }
  return completed;
}

/**
 * Quantities must be positive and amounts finite. The database has no CHECK for it (Prisma's schema
 * language cannot express one), so every writer goes through here.
 */
function assertValidItems(purchases: readonly PurchaseRecord[]): void {
  for (const purchase of purchases) {
    for (const item of purchase.items) {
      if (!(Number.isFinite(item.quantity) && item.quantity > 0) || !Number.isFinite(item.amount)) {
        throw new RangeError(
          `Purchase ${purchase.idempotencyKey}, product ${item.productId}: expected quantity > 0 and a finite amount, ` +
            `got quantity ${item.quantity} and amount ${item.amount}`,
        );
      }
    }
  }
}

/** One record per idempotencyKey, one line per product (quantities and amounts summed). */
function mergeByKey(purchases: readonly PurchaseRecord[]): PurchaseRecord[] {
  const byKey = new Map<string, PurchaseRecord>();
  for (const purchase of purchases) {
    const into = byKey.get(purchase.idempotencyKey);
    if (!into) {
      byKey.set(purchase.idempotencyKey, { ...purchase, items: mergeLines(purchase.items) });
    } else {
      into.items = mergeLines([...into.items, ...purchase.items]);
    }
  }
  return [...byKey.values()];
}

function mergeLines(items: readonly PurchaseItemRecord[]): PurchaseItemRecord[] {
  const byProduct = new Map<number, PurchaseItemRecord>();
  for (const item of items) {
    const into = byProduct.get(item.productId);
    if (into) {
      into.quantity += item.quantity;
      into.amount += item.amount;
    } else byProduct.set(item.productId, { ...item });
  }
  return [...byProduct.values()];
}

function toRow(purchaseId: number, item: PurchaseItemRecord) {
  return { purchaseId, productId: item.productId, quantity: item.quantity, amount: cents(item.amount) };
}

function cents(value: number): number {
  return Math.round(value * 100) / 100;
}
