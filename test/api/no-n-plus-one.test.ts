// Every relation under customers(first) is loaded through per-request DataLoaders, so the number of
// SQL statements a page costs does not grow with the page: one per level, whatever the page size.
import { CustomersWithHistoryDocument } from "../../src/client/generated/graphql";
import { findProductIds, insertMissingProducts } from "../../src/products/bulk-write";
import { type PurchaseRecord, writePurchaseBatch } from "../../src/purchases/bulk-write";
import { describeApi, type TestApi } from "../support/api";

const CUSTOMERS = 100;
const PURCHASES_PER_CUSTOMER = 25;
const ITEMS_PER_PURCHASE = 4;
/** More than Prisma's 999 bind values for SQLite: a full page names every one of them. */
const PRODUCTS = 1_500;

/** customers (1) + each customer's newest purchases (1) + their items (1) + the items' products (1). */
const EXPECTED_STATEMENTS = 4;

/** Each customer's newest purchases name products no other customer's do (1,200 in the newest 3). */
const skuOf = (customer: number, purchase: number, item: number) =>
  `SKU-${(customer + CUSTOMERS * (purchase * ITEMS_PER_PURCHASE + item)) % PRODUCTS}`;
/** Purchase p of every customer is p days after the first; later purchases are newer. */
const purchasedAt = (customer: number, purchase: number) =>
  new Date(Date.UTC(2025, 0, 1) + purchase * 86_400_000 + customer * 60_000);

async function seed(api: TestApi): Promise<void> {
  const db = api.database.prisma;
  const skus = Array.from({ length: PRODUCTS }, (_, p) => `SKU-${p}`);
  await insertMissingProducts(
    db,
    skus.map((sku, p) => ({ sku, name: `Product ${p}`, category: `C${p % 7}` })),
  );
  const productIds = await findProductIds(db, skus);
  const customers = Array.from({ length: CUSTOMERS }, (_, c) => ({
    externalId: `c${c}`,
    name: `Customer ${c}`,
  }));
  const purchases: PurchaseRecord[] = customers.flatMap((customer, c) =>
    Array.from({ length: PURCHASES_PER_CUSTOMER }, (_, p) => ({
      customerExternalId: customer.externalId,
      idempotencyKey: `seed:${c}:${p}`,
      purchasedAt: purchasedAt(c, p),
      items: Array.from({ length: ITEMS_PER_PURCHASE }, (_, i) => ({
        productId: productIds.get(skuOf(c, p, i))!,
        quantity: 1 + i,
        amount: 1.25 * (i + 1),
      })),
    })),
  );
  await writePurchaseBatch(db, customers, purchases);
}

async function fetchPage(api: TestApi, first: number, last?: number) {
  api.resetSqlCount();
  const response = await api.request(CustomersWithHistoryDocument, { first, last }, { as: "read" });
  const statements = api.sqlCount();
  expect(response.errors).toBeUndefined();
  return { statements, customers: response.data!.customers.edges.map((edge) => edge.node) };
}

describeApi("no N+1 queries", (api) => {
  beforeAll(() => seed(api));

  it(`loads 5 customers → purchases → items → product in ${EXPECTED_STATEMENTS} SQL statements`, async () => {
    const { statements, customers } = await fetchPage(api, 5);
    expect(customers).toHaveLength(5);
    expect(customers.every((c) => c.purchases.length === 20)).toBe(true);
    expect(statements).toBe(EXPECTED_STATEMENTS);
  });

  // The largest pages the cost limit allows (see limits.test.ts).
  it("needs as many statements for 100 customers (300 purchases, 1,200 items and products) as for 5", async () => {
    const small = await fetchPage(api, 5);
    const { statements, customers } = await fetchPage(api, 100, 3);
    expect(customers).toHaveLength(CUSTOMERS);
    const items = customers.flatMap((c) => c.purchases.flatMap((p) => p.items));
    expect(items).toHaveLength(CUSTOMERS * 3 * ITEMS_PER_PURCHASE);
    expect(new Set(items.map((item) => item.product.id)).size).toBeGreaterThan(999);
    expect(statements).toBe(small.statements);
    expect(statements).toBe(EXPECTED_STATEMENTS);
  });

  it("needs as many statements when every customer's whole history is asked for", async () => {
    const { statements, customers } = await fetchPage(api, 10, PURCHASES_PER_CUSTOMER);
    expect(customers.every((c) => c.purchases.length === PURCHASES_PER_CUSTOMER)).toBe(true);
    expect(statements).toBe(EXPECTED_STATEMENTS);
  });

  it("gives each customer their own newest purchases, newest first, with their own items", async () => {
    const { customers } = await fetchPage(api, 100, 3);
    for (const [c, customer] of customers.entries()) {
      expect(customer.purchases.map((p) => p.purchasedAt)).toEqual(
        [24, 23, 22].map((p) => purchasedAt(c, p).toISOString()),
      );
      expect(customer.purchases[0]!.items.map((item) => item.product.sku)).toEqual(
        Array.from({ length: ITEMS_PER_PURCHASE }, (_, i) => skuOf(c, 24, i)),
      );
    }
  });
});
