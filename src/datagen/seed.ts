// Writes generated data into a database: the catalogue, then customers in batches of one transaction
// each. Customers already in the database are neither regenerated nor touched, so re-running the same
// seed adds nothing and an interrupted run resumes where it stopped.
import { BIND_SAFE_ROWS, chunks } from "../db/batching";
import type { Db } from "../db/client";
import { findProductIds, insertMissingProducts } from "../products/bulk-write";
import { type CustomerRecord, type PurchaseRecord, writePurchaseBatch } from "../purchases/bulk-write";
import { CATALOGUE_PRODUCTS } from "./catalogue";
import { customerExternalId, type GeneratorOptions, generateCustomer, historyStart } from "./generator";

export interface SeedOptions extends GeneratorOptions {
  /** Customers 0 .. customers - 1 of the seed. */
  customers: number;
  /** Called after each batch with the number of customers done so far (written or already there). */
  onProgress?: (customersDone: number) => void;
  /** Customers per transaction (default 100). */
  batchSize?: number;
}

export interface SeedSummary {
  productsCreated: number;
  customersCreated: number;
  /** Customers of this seed that were already in the database and were left alone. */
  customersSkipped: number;
  purchasesCreated: number;
  itemsCreated: number;
  seconds: number;
  /** itemsCreated / seconds. */
  itemsPerSecond: number;
}

/**
 * Generates customers 0 .. customers - 1 of the seed and writes those the database lacks.
 *
 * @example
 *   const summary = await seedDatabase(db.prisma, {
 *     customers: 2000, days: 365, seed: 1, end: new Date("2026-01-01"),
 *   });
 *   summary.itemsCreated; // ≈ 1.6 million
 */
export async function seedDatabase(db: Db, options: SeedOptions): Promise<SeedSummary> {
  const { customers, seed, batchSize = DEFAULT_BATCH_SIZE, onProgress } = options;
  if (!Number.isSafeInteger(customers) || customers < 1) {
    throw new RangeError(`customers: expected a whole number of at least 1, got ${customers}`);
  }
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize: expected a whole number of at least 1, got ${batchSize}`);
  }
  historyStart(options); // validates days and end before anything is written
  const started = performance.now();

  const productsCreated = await insertMissingProducts(db, CATALOGUE_PRODUCTS.map(toProductRecord));
  const productIds = await findProductIds(
    db,
    CATALOGUE_PRODUCTS.map((p) => p.sku),
  );
  const missing = CATALOGUE_PRODUCTS.filter((p) => !productIds.has(p.sku));
  if (missing.length) {
    throw new Error(
      `Catalogue: expected all ${CATALOGUE_PRODUCTS.length} products in the database, ${missing.length} missing (e.g. ${missing[0]!.sku})`,
    );
  }

  const summary = {
    productsCreated,
    customersCreated: 0,
    customersSkipped: 0,
    purchasesCreated: 0,
    itemsCreated: 0,
  };
  for (let first = 0; first < customers; first += batchSize) {
    const indices = range(first, Math.min(customers, first + batchSize));
    const existing = await existingExternalIds(
      db,
      indices.map((index) => customerExternalId(seed, index)),
    );
    const customerRecords: CustomerRecord[] = [];
    const purchaseRecords: PurchaseRecord[] = [];
    for (const index of indices) {
      if (existing.has(customerExternalId(seed, index))) {
        summary.customersSkipped++;
        continue;
      }
      const customer = generateCustomer(options, index);
      customerRecords.push({ externalId: customer.externalId, name: customer.name, email: customer.email });
      for (const purchase of customer.purchases) {
        purchaseRecords.push({
          customerExternalId: customer.externalId,
          idempotencyKey: purchase.idempotencyKey,
          purchasedAt: purchase.purchasedAt,
          storeId: purchase.storeId,
          items: purchase.items.map((item) => ({
            productId: productIds.get(item.sku)!,
            quantity: item.quantity,
            amount: item.amount,
          })),
        });
      }
    }
    if (customerRecords.length) {
      const written = await writePurchaseBatch(db, customerRecords, purchaseRecords);
      summary.customersCreated += written.customersCreated;
      summary.purchasesCreated += written.purchasesCreated;
      summary.itemsCreated += written.itemsCreated;
    }
    onProgress?.(indices[indices.length - 1]! + 1);
  }

  const seconds = (performance.now() - started) / 1000;
  return { ...summary, seconds, itemsPerSecond: summary.itemsCreated / Math.max(seconds, 1e-9) };
}

// ---- private helpers ----

/**
 * 100 customers ≈ 80,000 lines per transaction: large enough that per-transaction costs vanish, small
 * enough to keep memory flat and let other writers in between batches.
 */
const DEFAULT_BATCH_SIZE = 100;

function toProductRecord({ price: _price, share: _share, ...record }: (typeof CATALOGUE_PRODUCTS)[number]) {
  return record;
}

async function existingExternalIds(db: Db, externalIds: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (const batch of chunks(externalIds, BIND_SAFE_ROWS)) {
    const rows = await db.customer.findMany({
      where: { externalId: { in: batch } },
      select: { externalId: true },
    });
    for (const row of rows) found.add(row.externalId);
  }
  return found;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}
