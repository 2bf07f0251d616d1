// Bulk catalogue writes for the seeder and importers. Idempotent by SKU.
import { BIND_SAFE_ROWS, chunks, lookupIds, uniqueBy } from "../db/batching";
import type { Db } from "../db/client";
import { insertRows } from "../db/insert-rows";

export interface ProductRecord {
  sku: string;
  name: string;
  category: string;
  subcategory?: string | null;
  brand?: string | null;
  packageSize?: string | null;
}

/**
 * Inserts the products whose SKU is not in the database yet; existing products are left as they
 * are, so writing the same catalogue twice changes nothing. Returns how many were inserted.
 */
export async function insertMissingProducts(db: Db, products: readonly ProductRecord[]): Promise<number> {
  let inserted = 0;
  for (const batch of chunks(
    uniqueBy(products, (p) => p.sku),
    BIND_SAFE_ROWS,
  )) {
    const existing = await findProductIds(
      db,
      batch.map((p) => p.sku),
    );
    const missing = batch.filter((p) => !existing.has(p.sku));
    const createdAt = new Date();
    inserted += await insertRows(
      db,
      "Product",
      PRODUCT_COLUMNS,
      missing.map((p) => ({
        sku: p.sku,
        name: p.name,
        category: p.category,
        subcategory: p.subcategory ?? null,
        brand: p.brand ?? null,
        packageSize: p.packageSize ?? null,
        createdAt,
      })),
    );
  }
  return inserted;
}

const PRODUCT_COLUMNS = [
  "sku",
  "name",
  "category",
  "subcategory",
  "brand",
  "packageSize",
  "createdAt",
] as const;

/** Maps each given SKU that exists to its product id. */
export function findProductIds(db: Db, skus: Iterable<string>): Promise<Map<string, number>> {
  return lookupIds(skus, async (batch) =>
    (await db.product.findMany({ where: { sku: { in: batch } }, select: { id: true, sku: true } })).map(
      (p) => [p.sku, p.id],
    ),
  );
}
