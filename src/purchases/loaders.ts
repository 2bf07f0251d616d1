import DataLoader from "dataloader";
import type { Db } from "../db/client";
import { Prisma } from "../generated/prisma/sqlite/client";
import { groupedBy, LOADER_OPTIONS } from "../graphql/loader-support";
import { type Purchase, type PurchaseItem, toPurchase, toPurchaseItem } from "./purchase.type";

// Raw SQL rather than findMany: Prisma refuses a findMany with orderBy whose IN list exceeds its
// bind limit for SQLite (999) with P2029, and splits the ones without orderBy into several
// statements; a page of 100 customers × 20 purchases has 2,000 purchase ids. Raw queries return
// the same types as findMany (Date, Decimal) on both databases.

type PurchaseRow = Parameters<typeof toPurchase>[0];
type PurchaseItemRow = Parameters<typeof toPurchaseItem>[0];

export interface LatestPurchasesKey {
  customerId: number;
  /** How many of the newest purchases. */
  last: number;
}

/**
 * Each customer's newest `last` purchases, newest first. One query per distinct `last` in a batch,
 * whatever its size: a window query picks the newest rows, so a long history is never loaded whole.
 */
export function latestPurchasesLoader(db: Db) {
  return new DataLoader<LatestPurchasesKey, Purchase[], string>(
    async (keys) => {
      const byLast = new Map<number, number[]>();
      for (const { customerId, last } of keys) byLast.set(last, [...(byLast.get(last) ?? []), customerId]);
      const found = new Map<string, Purchase[]>();
      for (const [last, customerIds] of byLast) {
        const rows = await db.$queryRaw<PurchaseRow[]>`
          SELECT "id", "customerId", "purchasedAt", "storeId", "total", "idempotencyKey", "createdAt"
          FROM (
            SELECT *, ROW_NUMBER() OVER (
              PARTITION BY "customerId" ORDER BY "purchasedAt" DESC, "id" DESC
            ) AS "newness"
            FROM "Purchase" WHERE "customerId" IN (${Prisma.join(customerIds)})
          ) ranked WHERE "newness" <= ${last}
          ORDER BY "purchasedAt" DESC, "id" DESC`;
        for (const [customerId, purchases] of groupedBy(
          customerIds,
          rows.map(toPurchase),
          (p) => p.customerId,
        )) {
          found.set(`${customerId}:${last}`, purchases);
        }
      }
      return keys.map(({ customerId, last }) => found.get(`${customerId}:${last}`) ?? []);
    },
    { ...LOADER_OPTIONS, cacheKeyFn: ({ customerId, last }) => `${customerId}:${last}` },
  );
}

/** The lines of each purchase, in the order they were written. One query per batch. */
export function itemsByPurchaseLoader(db: Db) {
  return new DataLoader<number, PurchaseItem[]>(async (purchaseIds) => {
    const rows = await db.$queryRaw<PurchaseItemRow[]>`
        SELECT "id", "purchaseId", "productId", "quantity", "amount" FROM "PurchaseItem"
        WHERE "purchaseId" IN (${Prisma.join(purchaseIds)})
        ORDER BY "id"`;
    return [...groupedBy(purchaseIds, rows.map(toPurchaseItem), (item) => item.purchaseId).values()];
  }, LOADER_OPTIONS);
}
