import { CATALOGUE_PRODUCTS } from "../../src/datagen/catalogue";
import { generateCustomers } from "../../src/datagen/generator";
import { type SeedOptions, seedDatabase } from "../../src/datagen/seed";
import { describeEachDatabase } from "../support/databases";

const OPTIONS: SeedOptions = {
  customers: 20,
  days: 60,
  seed: 3,
  end: new Date("2026-01-01T00:00:00Z"),
  batchSize: 8,
};

describeEachDatabase("seedDatabase", (handle) => {
  const generated = [...generateCustomers(OPTIONS, OPTIONS.customers)];
  const expectedPurchases = generated.reduce((n, c) => n + c.purchases.length, 0);
  const expectedItems = generated.reduce(
    (n, c) => n + c.purchases.reduce((m, p) => m + p.items.length, 0),
    0,
  );

  it("writes the catalogue and every generated customer, purchase and item", async () => {
    const progress: number[] = [];
    const summary = await seedDatabase(handle.database.prisma, {
      ...OPTIONS,
      onProgress: (done) => progress.push(done),
    });
    expect(summary).toMatchObject({
      productsCreated: CATALOGUE_PRODUCTS.length,
      customersCreated: 20,
      customersSkipped: 0,
      purchasesCreated: expectedPurchases,
      itemsCreated: expectedItems,
    });
    expect(progress).toEqual([8, 16, 20]);
    const prisma = handle.database.prisma;
    expect(await prisma.customer.count()).toBe(20);
    expect(await prisma.purchase.count()).toBe(expectedPurchases);
    expect(await prisma.purchaseItem.count()).toBe(expectedItems);
  });

  it("stores what the generator produced, with totals that add up", async () => {
    const prisma = handle.database.prisma;
    const purchases = await prisma.purchase.findMany({
      include: { items: { include: { product: { select: { sku: true } } } }, customer: true },
    });
    for (const purchase of purchases) {
      const sum = purchase.items.reduce((total, item) => total + Number(item.amount), 0);
      expect(Math.round(Number(purchase.total) * 100)).toBe(Math.round(sum * 100));
      for (const item of purchase.items) expect(item.quantity).toBeGreaterThan(0);
    }
    const customer = generated.find((c) => c.purchases.length > 1)!;
    const sample = customer.purchases[1]!;
    const stored = purchases.find((p) => p.idempotencyKey === sample.idempotencyKey)!;
    expect(stored.customer).toMatchObject({
      externalId: customer.externalId,
      name: customer.name,
      email: customer.email,
    });
    expect(stored.purchasedAt).toEqual(sample.purchasedAt);
    expect(stored.storeId).toBe(sample.storeId);
    expect(stored.items.map((i) => [i.product.sku, i.quantity, Number(i.amount)]).sort()).toEqual(
      sample.items.map((i) => [i.sku, i.quantity, i.amount]).sort(),
    );
  });

  it("adds nothing when run again, and only the missing customers when asked for more", async () => {
    const again = await seedDatabase(handle.database.prisma, OPTIONS);
    expect(again).toMatchObject({
      productsCreated: 0,
      customersCreated: 0,
      customersSkipped: 20,
      purchasesCreated: 0,
      itemsCreated: 0,
    });
    const more = await seedDatabase(handle.database.prisma, { ...OPTIONS, customers: 23 });
    expect(more).toMatchObject({ customersCreated: 3, customersSkipped: 20 });
    expect(await handle.database.prisma.customer.count()).toBe(23);
  });
});
