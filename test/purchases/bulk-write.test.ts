import { insertMissingProducts } from "../../src/products/bulk-write";
import { type PurchaseRecord, writePurchaseBatch } from "../../src/purchases/bulk-write";
import { describeEachDatabase } from "../support/databases";

describeEachDatabase("writePurchaseBatch", (handle) => {
  let milk: number;
  let bread: number;

  beforeAll(async () => {
    const db = handle.database.prisma;
    await insertMissingProducts(db, [
      { sku: "MILK-1", name: "Whole milk 1 gal", category: "FLUID MILK PRODUCTS" },
      { sku: "BREAD-1", name: "White bread", category: "BREAD" },
    ]);
    const products = await db.product.findMany();
    milk = products.find((p) => p.sku === "MILK-1")!.id;
    bread = products.find((p) => p.sku === "BREAD-1")!.id;
  });

  const purchase = (key: string, items: PurchaseRecord["items"]): PurchaseRecord => ({
    customerExternalId: "h1",
    idempotencyKey: key,
    purchasedAt: new Date("2026-01-02T10:00:00Z"),
    storeId: "7",
    items,
  });

  it("writes customers, purchases and items with the purchase total", async () => {
    const result = await writePurchaseBatch(
      handle.database.prisma,
      [{ externalId: "h1", name: "Household 1" }],
      [purchase("t:1", [{ productId: milk, quantity: 2, amount: 5.98 }])],
    );
    expect(result).toEqual({ customersCreated: 1, purchasesCreated: 1, itemsCreated: 1 });
    const stored = await handle.database.prisma.purchase.findUniqueOrThrow({
      where: { idempotencyKey: "t:1" },
      include: { items: true, customer: true },
    });
    expect(stored.customer.externalId).toBe("h1");
    expect(Number(stored.total)).toBe(5.98);
    expect(stored.items).toHaveLength(1);
    expect(stored.items[0]!.quantity).toBe(2);
  });

  it("writes nothing when the same batch comes again", async () => {
    const result = await writePurchaseBatch(
      handle.database.prisma,
      [{ externalId: "h1", name: "Household 1" }],
      [purchase("t:1", [{ productId: milk, quantity: 2, amount: 5.98 }])],
    );
    expect(result).toEqual({ customersCreated: 0, purchasesCreated: 0, itemsCreated: 0 });
    expect(await handle.database.prisma.purchaseItem.count()).toBe(1);
  });

  it("completes an order split across batches and raises its total", async () => {
    const result = await writePurchaseBatch(
      handle.database.prisma,
      [],
      [purchase("t:1", [{ productId: bread, quantity: 1, amount: 2.5 }])],
    );
    expect(result).toEqual({ customersCreated: 0, purchasesCreated: 0, itemsCreated: 1 });
    const stored = await handle.database.prisma.purchase.findUniqueOrThrow({
      where: { idempotencyKey: "t:1" },
    });
    expect(Number(stored.total)).toBe(8.48);
  });

  it("sums repeated lines of one product into one line", async () => {
    await writePurchaseBatch(
      handle.database.prisma,
      [],
      [
        purchase("t:2", [
          { productId: milk, quantity: 1, amount: 2.99 },
          { productId: milk, quantity: 1.5, amount: 4.49 },
        ]),
      ],
    );
    const items = await handle.database.prisma.purchaseItem.findMany({
      where: { purchase: { idempotencyKey: "t:2" } },
    });
    expect(items.map((i) => [i.quantity, Number(i.amount)])).toEqual([[2.5, 7.48]]);
  });

  it("rejects a batch with a non-positive quantity and writes none of it", async () => {
    const before = await handle.database.prisma.purchase.count();
    await expect(
      writePurchaseBatch(
        handle.database.prisma,
        [{ externalId: "h2", name: "Household 2" }],
        [
          { ...purchase("t:3", [{ productId: milk, quantity: 1, amount: 1 }]), customerExternalId: "h2" },
          purchase("t:4", [{ productId: milk, quantity: 0, amount: 0 }]),
        ],
      ),
    ).rejects.toThrow("expected quantity > 0");
    expect(await handle.database.prisma.purchase.count()).toBe(before);
    expect(await handle.database.prisma.customer.count({ where: { externalId: "h2" } })).toBe(0);
  });

  it("moves the predictions version of every customer whose history changed, and of no one else", async () => {
    const db = handle.database.prisma;
    const versions = async () =>
      Object.fromEntries(
        (await db.customer.findMany({ select: { externalId: true, predictionsVersion: true } })).map((c) => [
          c.externalId,
          c.predictionsVersion,
        ]),
      );
    await writePurchaseBatch(
      db,
      [
        { externalId: "v1", name: "V1" },
        { externalId: "v2", name: "V2" },
      ],
      [],
    );
    const start = await versions();
    expect([start.v1, start.v2]).toEqual([0, 0]);
    const forV1 = (key: string, items: PurchaseRecord["items"]) => ({
      ...purchase(key, items),
      customerExternalId: "v1",
    });
    // A new purchase moves it once, whatever its number of lines.
    await writePurchaseBatch(
      db,
      [],
      [
        forV1("v:1", [
          { productId: milk, quantity: 1, amount: 1 },
          { productId: bread, quantity: 1, amount: 1 },
        ]),
      ],
    );
    // The same batch again writes nothing and moves nothing.
    await writePurchaseBatch(db, [], [forV1("v:1", [{ productId: milk, quantity: 1, amount: 1 }])]);
    expect(await versions()).toMatchObject({ ...start, v1: 1, v2: 0 });
    // A line added to a stored purchase moves the version of the customer who owns that purchase.
    await insertMissingProducts(db, [{ sku: "EGGS-1", name: "Eggs", category: "EGGS" }]);
    const eggs = (await db.product.findUniqueOrThrow({ where: { sku: "EGGS-1" } })).id;
    // (The record names v2, but t:1 is h1's: h1's history is the one that changed.)
    const named = {
      ...purchase("t:1", [{ productId: eggs, quantity: 1, amount: 1 }]),
      customerExternalId: "v2",
    };
    expect((await writePurchaseBatch(db, [], [named])).itemsCreated).toBe(1);
    const h1 = (await versions()).h1;
    expect(h1).toBeGreaterThan(start.h1!);
    expect(await versions()).toMatchObject({ v1: 1, v2: 0 });
  });
});
