// The synthetic generator's customers as analyzer histories, without a database in between: for the
// backtest's `synthetic` source, the throughput benchmark and tests. Pure, like the generator.

import type { CustomerHistory } from "../analysis/contract";
import { CATALOGUE_PRODUCTS, STAPLES } from "./catalogue";
import { type GeneratedCustomer, type GeneratorOptions, generateCustomers } from "./generator";

const PRODUCT_BY_SKU = new Map(CATALOGUE_PRODUCTS.map((product) => [product.sku, product]));

/**
 * A generated customer's whole history (customerId = its externalId, as after seeding).
 *
 * @example syntheticHistory(generateCustomer({ seed: 1, days: 365, end }, 0)).purchases.length // ≈ 95
 */
export function syntheticHistory(customer: GeneratedCustomer): CustomerHistory {
  return {
    customerId: customer.externalId,
    purchases: customer.purchases.map((purchase) => ({
      purchasedAt: purchase.purchasedAt,
      items: purchase.items.map((item) => {
        const product = PRODUCT_BY_SKU.get(item.sku)!;
        return {
          sku: item.sku,
          productName: product.name,
          category: product.category,
          quantity: item.quantity,
        };
      }),
    })),
  };
}

/** Customers 0 .. customers - 1 of the generator, one at a time. */
export function* syntheticHistories(
  options: GeneratorOptions,
  customers: number,
): Generator<CustomerHistory> {
  for (const customer of generateCustomers(options, customers)) yield syntheticHistory(customer);
}

const STAPLE_CATEGORIES = new Set(STAPLES.map((staple) => staple.category));

/**
 * The generator's kind of a category: staples are bought on a cadence (the quantity decides when the
 * next is needed), occasional categories at random (docs/DATA_GENERATION.md).
 */
export function syntheticCategoryKind(category: string): "staple" | "occasional" {
  return STAPLE_CATEGORIES.has(category) ? "staple" : "occasional";
}
