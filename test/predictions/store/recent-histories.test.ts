// The serving path's history read, on both databases: each customer's newest 20 baskets exactly as
// the generator made them (each line with its product's sku, name and category), oldest first, in
// the order asked for; a purchase without lines is no basket.
import type { CustomerHistory } from "../../../src/analysis/contract";
import { generateCustomers } from "../../../src/datagen/generator";
import { seedDatabase } from "../../../src/datagen/seed";
import { syntheticHistory } from "../../../src/datagen/synthetic-histories";
import { loadRecentHistories } from "../../../src/predictions/store/recent-histories";
import { describeEachDatabase } from "../../support/databases";

const OPTIONS = { customers: 4, days: 300, seed: 8, end: new Date("2026-01-01T00:00:00Z") };
const generated = [...generateCustomers(OPTIONS, OPTIONS.customers)].map(syntheticHistory);

/** Items in a stable order, the history's own id left out (the reader names customers by database id). */
function comparable(history: CustomerHistory, newest = Number.POSITIVE_INFINITY) {
  return history.purchases.slice(-newest).map((p) => ({
    purchasedAt: p.purchasedAt.toISOString(),
    items: [...p.items].sort((a, b) => (a.sku < b.sku ? -1 : 1)),
  }));
}

describeEachDatabase("loadRecentHistories", (handle) => {
  const byExternalId = new Map<string, number>();
  let nobody = 0;
  beforeAll(async () => {
    const db = handle.database.prisma;
    await seedDatabase(db, OPTIONS);
    for (const row of await db.customer.findMany()) byExternalId.set(row.externalId, row.id);
    nobody = (await db.customer.create({ data: { externalId: "nobody", name: "No purchases" } })).id;
  });

  it("reads each customer's newest 20 baskets, oldest first, in the order asked for", async () => {
    const ids = generated.map((h) => byExternalId.get(h.customerId)!).reverse();
    const histories = await loadRecentHistories(handle.database.prisma, handle.provider, ids);
    expect(histories.map((h) => h.customerId)).toEqual(ids.map(String));
    histories.forEach((history, i) => {
      const expected = generated[generated.length - 1 - i]!;
      expect(expected.purchases.length).toBeGreaterThan(20);
      expect(comparable(history)).toEqual(comparable(expected, 20));
    });
  });

  it("reads whole histories when asked for more than anyone has", async () => {
    const id = byExternalId.get(generated[0]!.customerId)!;
    const [history] = await loadRecentHistories(handle.database.prisma, handle.provider, [id], 10_000);
    expect(comparable(history!)).toEqual(comparable(generated[0]!));
  });

  it("gives customers without purchases, and unknown ids, an empty history; repeats come once", async () => {
    const id = byExternalId.get(generated[1]!.customerId)!;
    const histories = await loadRecentHistories(handle.database.prisma, handle.provider, [
      nobody,
      999_999,
      id,
      id,
    ]);
    expect(histories.map((h) => [h.customerId, h.purchases.length])).toEqual([
      [String(nobody), 0],
      ["999999", 0],
      [String(id), 20],
    ]);
  });

  it("leaves out a purchase without lines, and tells apart products that share a name", async () => {
    const db = handle.database.prisma;
    const customer = await db.customer.create({ data: { externalId: "twins", name: "Twins" } });
    const [a, b] = await Promise.all(
      ["TWIN-A", "TWIN-B"].map((sku, i) =>
        db.product.create({ data: { sku, name: "Twin", category: i ? "TEA" : "COFFEE" } }),
      ),
    );
    const at = (day: number) => new Date(Date.UTC(2026, 0, day));
    await db.purchase.create({
      data: {
        customerId: customer.id,
        purchasedAt: at(2),
        total: 3,
        items: {
          create: [
            { productId: b!.id, quantity: 1.5, amount: 2 },
            { productId: a!.id, quantity: 2, amount: 1 },
          ],
        },
      },
    });
    await db.purchase.create({ data: { customerId: customer.id, purchasedAt: at(3), total: 0 } });
    const [history] = await loadRecentHistories(db, handle.provider, [customer.id]);
    expect(history!.purchases).toEqual([
      {
        purchasedAt: at(2),
        items: [
          { sku: "TWIN-B", productName: "Twin", category: "TEA", quantity: 1.5 },
          { sku: "TWIN-A", productName: "Twin", category: "COFFEE", quantity: 2 },
        ],
      },
    ]);
  });
});
