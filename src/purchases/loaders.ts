import DataLoader from "dataloader";
import type { Db } from "../db/client";
import { Prisma } from "../generated/prisma/sqlite/client";
import { groupedBy, LOADER_BATCH_SIZE } from "../graphql/loader-support";
import { type Purchase, type PurchaseItem, toPurchase, toPurchaseItem } from "./purchase.type";

export interface LatestPurchasesKey {
  customerId: number;
  /** How many of the newest purchases. */
  last: number;
}

/**
 * Each customer's newest `last` purchases, newest first. Two queries per batch whatever its size: a
 * window query picks the ids (so a long history is never loaded whole), then the rows.
 */
export function latestPurchasesLoader(db: Db) {
  return new DataLoader<LatestPurchasesKey, Purchase[], string>(
    async (keys) => {
      const byLast = new Map<number, number[]>();
      for (const { customerId, last } of keys) byLast.set(last, [...(byLast.get(last) ?? []), customerId]);
      const found = new Map<string, Purchase[]>();
      for (const [last, customerIds] of byLast) {
        const ids = await db.$queryRaw<Array<{ id: number }>>`
          SELECT "id" FROM (
            SELECT "id", ROW_NUMBER() OVER (
              PARTITION BY "customerId" ORDER BY "purchasedAt" DESC, "id" DESC
            ) AS "newness"
            FROM "Purchase" WHERE "customerId" IN (${Prisma.join(customerIds)})
          ) ranked WHERE "newness" <= ${last}`;
        const rows = await db.purchase.findMany({
          where: { id: { in: ids.map((row) => Number(row.id)) } },
          orderBy: [{ purchasedAt: "desc" }, { id: "desc" }],
        });
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
    { maxBatchSize: LOADER_BATCH_SIZE, cacheKeyFn: ({ customerId, last }) => `${customerId}:${last}` },
  );
}

/** The lines of each purchase, in the order they were written. */
export function itemsByPurchaseLoader(db: Db) {
  return new DataLoader<number, PurchaseItem[]>(
    async (purchaseIds) => {
      const rows = await db.purchaseItem.findMany({
        where: { purchaseId: { in: [...purchaseIds] } },
        orderBy: { id: "asc" },
      });
      return [...groupedBy(purchaseIds, rows.map(toPurchaseItem), (item) => item.purchaseId).values()];
    },
    { maxBatchSize: LOADER_BATCH_SIZE },
  );
}
