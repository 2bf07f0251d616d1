import DataLoader from "dataloader";
import type { Db } from "../db/client";
import { Prisma } from "../generated/prisma/sqlite/client";
import { LOADER_OPTIONS, orderedBy } from "../graphql/loader-support";
import type { Product } from "./product.type";

/**
 * Products by id (null for an unknown id), one query per batch. Raw SQL: a findMany would be split
 * into statements of 999 ids on SQLite, and a page's items can name thousands of products.
 */
export function productByIdLoader(db: Db) {
  return new DataLoader<number, Product | null>(
    async (ids) =>
      orderedBy(
        ids,
        await db.$queryRaw<Product[]>`
          SELECT "id", "sku", "name", "category", "subcategory", "brand", "packageSize", "createdAt"
          FROM "Product" WHERE "id" IN (${Prisma.join(ids)})`,
        (p) => p.id,
      ),
    LOADER_OPTIONS,
  );
}
