import DataLoader from "dataloader";
import type { Db } from "../db/client";
import { LOADER_BATCH_SIZE, orderedBy } from "../graphql/loader-support";
import type { Product } from "./product.type";

/** Products by id (null for an unknown id), one query per batch. */
export function productByIdLoader(db: Db) {
  return new DataLoader<number, Product | null>(
    async (ids) =>
      orderedBy(ids, await db.product.findMany({ where: { id: { in: [...ids] } } }), (p) => p.id),
    { maxBatchSize: LOADER_BATCH_SIZE },
  );
}
