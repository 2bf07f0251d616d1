// recordPurchase, upsertCustomer and upsertProduct over real HTTP, checked against the database.
import {
  CustomerDocument,
  RecordPurchaseDocument,
  type RecordPurchaseInput,
  UpsertCustomerDocument,
  UpsertProductDocument,
  type UpsertProductInput,
} from "../../src/client/generated/graphql";
import type { GraphQLResponse, TestApi } from "../support/api";
import { describeApi } from "../support/api";

function dataOf<T>(response: GraphQLResponse<T>): T {
  expect(response.errors).toBeUndefined();
  expect(response.status).toBe(200);
  return response.data!;
}

async function rowCounts(api: TestApi) {
  const db = api.database.prisma;
  return {
    customers: await db.customer.count(),
    products: await db.product.count(),
    purchases: await db.purchase.count(),
    items: await db.purchaseItem.count(),
  };
}

describeApi("mutations", (api) => {
  const ids = { customer: "", milk: "", bread: "" };

  beforeAll(async () => {
    const db = api.database.prisma;
    ids.customer = String((await db.customer.create({ data: { externalId: "HH-1", name: "Ana" } })).id);
    ids.milk = String(
      (
        await db.product.create({
          data: { sku: "MILK-1", name: "Whole milk", category: "FLUID MILK PRODUCTS" },
        })
      ).id,
    );
    ids.bread = String(
      (await db.product.create({ data: { sku: "BRD-1", name: "White bread", category: "BREAD" } })).id,
    );
  });

  const record = async (input: RecordPurchaseInput) =>
    dataOf(await api.request(RecordPurchaseDocument, { input }, { as: "ingest" })).recordPurchase;

  describe("recordPurchase", () => {
    it("records a purchase by customerId and productId and returns it with its lines", async () => {
      const result = await record({
        customerId: ids.customer,
        purchasedAt: "2025-05-01T10:00:00.000Z",
        storeId: "store-7",
        items: [{ productId: ids.milk, quantity: 2, amount: 5.98 }],
      });
      expect(result).toEqual({
        created: true,
        purchase: {
          id: expect.any(String),
          purchasedAt: "2025-05-01T10:00:00.000Z",
          storeId: "store-7",
          total: 5.98,
          idempotencyKey: null,
          createdAt: expect.stringMatching(/Z$/),
          customer: { id: ids.customer, externalId: "HH-1" },
          items: [
            {
              id: expect.any(String),
              quantity: 2,
              amount: 5.98,
              product: { id: ids.milk, sku: "MILK-1", name: "Whole milk", category: "FLUID MILK PRODUCTS" },
            },
          ],
        },
      });
      const stored = await api.database.prisma.purchase.findUniqueOrThrow({
        where: { id: Number(result.purchase.id) },
        include: { items: true },
      });
      expect(stored).toMatchObject({ customerId: Number(ids.customer), storeId: "store-7" });
      expect(Number(stored.total)).toBe(5.98);
      expect(stored.items.map((item) => [item.productId, item.quantity, Number(item.amount)])).toEqual([
        [Number(ids.milk), 2, 5.98],
      ]);
    });

    it("records a purchase by customerExternalId and sku", async () => {
      const { purchase, created } = await record({
        customerExternalId: "HH-1",
        purchasedAt: "2025-05-02T10:00:00.000Z",
        items: [{ sku: "BRD-1", quantity: 1, amount: 2.5 }],
      });
      expect(created).toBe(true);
      expect(purchase.customer.id).toBe(ids.customer);
      expect(purchase.items.map((item) => item.product.id)).toEqual([ids.bread]);
    });

    it("reads purchasedAt with an offset and answers in UTC", async () => {
      const { purchase } = await record({
        customerId: ids.customer,
        purchasedAt: "2025-05-03T10:00:00+02:00",
        items: [{ sku: "MILK-1", quantity: 1 }],
      });
      expect(purchase.purchasedAt).toBe("2025-05-03T08:00:00.000Z");
    });

    it("dates the purchase now when purchasedAt is left out", async () => {
      const before = Date.now();
      const { purchase } = await record({
        customerId: ids.customer,
        items: [{ sku: "MILK-1", quantity: 1 }],
      });
      const after = Date.now();
      expect(purchase.purchasedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(Date.parse(purchase.purchasedAt)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(purchase.purchasedAt)).toBeLessThanOrEqual(after);
      expect(purchase.storeId).toBeNull();
    });

    it("totals the lines' amounts to the cent, a missing amount counting 0", async () => {
      const { purchase } = await record({
        customerId: ids.customer,
        purchasedAt: "2025-05-04T10:00:00.000Z",
        items: [
          { sku: "MILK-1", quantity: 1, amount: 0.1 },
          { sku: "BRD-1", quantity: 3, amount: 0.2 },
        ],
      });
      expect(purchase.total).toBe(0.3);
      const free = await record({ customerId: ids.customer, items: [{ sku: "MILK-1", quantity: 1 }] });
      expect(free.purchase.total).toBe(0);
      expect(free.purchase.items[0]!.amount).toBe(0);
    });

    it("merges lines of the same product (by id and by sku) into one line", async () => {
      const { purchase } = await record({
        customerId: ids.customer,
        purchasedAt: "2025-05-05T10:00:00.000Z",
        items: [
          { productId: ids.milk, quantity: 1, amount: 2.99 },
          { sku: "BRD-1", quantity: 1, amount: 2.5 },
          { sku: "MILK-1", quantity: 1.5, amount: 4.49 },
        ],
      });
      expect(purchase.items.map((item) => [item.product.sku, item.quantity, item.amount])).toEqual([
        ["MILK-1", 2.5, 7.48],
        ["BRD-1", 1, 2.5],
      ]);
      expect(purchase.total).toBe(9.98);
      expect(
        await api.database.prisma.purchaseItem.count({ where: { purchaseId: Number(purchase.id) } }),
      ).toBe(2);
    });

    it("answers a retry with the same idempotencyKey with the first purchase, created false, writing nothing", async () => {
      const input: RecordPurchaseInput = {
        customerId: ids.customer,
        idempotencyKey: "till-3:order-1001",
        items: [{ sku: "MILK-1", quantity: 2, amount: 5.98 }],
      };
      const first = await record(input);
      expect(first.created).toBe(true);
      expect(first.purchase.idempotencyKey).toBe("till-3:order-1001");
      const counts = await rowCounts(api);

      const retry = await record(input);
      expect(retry).toEqual({ ...first, created: false });
      expect(await rowCounts(api)).toEqual(counts);
    });

    describe("the same idempotencyKey with different content", () => {
      const first: RecordPurchaseInput = {
        customerId: "",
        idempotencyKey: "till-3:order-1002",
        purchasedAt: "2025-05-06T10:00:00.000Z",
        storeId: "store-7",
        items: [
          { sku: "MILK-1", quantity: 1, amount: 2.99 },
          { sku: "MILK-1", quantity: 2, amount: 5.98 },
        ],
      };
      let firstPurchase: Awaited<ReturnType<typeof record>>;
      let other = "";
      beforeAll(async () => {
        first.customerId = ids.customer;
        firstPurchase = await record(first);
        other = String(
          (await api.database.prisma.customer.create({ data: { externalId: "HH-2", name: "Bo" } })).id,
        );
      });

      it.each<[string, (input: RecordPurchaseInput) => RecordPurchaseInput, string[]]>([
        ["another customer", (input) => ({ ...input, customerId: other }), ["customer"]],
        [
          "other lines",
          (input) => ({ ...input, items: [{ sku: "BRD-1", quantity: 9, amount: 99 }] }),
          ["items"],
        ],
        [
          "another quantity",
          (input) => ({ ...input, items: [{ sku: "MILK-1", quantity: 4, amount: 8.97 }] }),
          ["items"],
        ],
        ["another date", (input) => ({ ...input, purchasedAt: "2025-05-07T10:00:00.000Z" }), ["purchasedAt"]],
        ["another store", (input) => ({ ...input, storeId: null }), ["storeId"]],
        [
          "another customer and lines",
          (input) => ({ ...input, customerId: other, items: [{ sku: "BRD-1", quantity: 1 }] }),
          ["customer", "items"],
        ],
      ])(
        "%s → IDEMPOTENCY_KEY_REUSED naming what differs, revealing nothing stored, writing nothing",
        async (_, change, fields) => {
          const counts = await rowCounts(api);
          const response = await api.request(
            RecordPurchaseDocument,
            { input: change(first) },
            { as: "ingest" },
          );
          expect(response.status).toBe(200);
          expect(response.data).toBeNull();
          expect(response.errors).toEqual([
            expect.objectContaining({
              message: expect.stringContaining(`got a different ${fields.join(", ")}.`),
              extensions: { code: "IDEMPOTENCY_KEY_REUSED", differingFields: fields },
            }),
          ]);
          const told = JSON.stringify(response.errors);
          for (const stored of [
            firstPurchase.purchase.id,
            "2025-05-06",
            "store-7",
            "MILK-1",
            "8.97",
            "HH-1",
          ]) {
            expect(told).not.toContain(stored);
          }
          expect(await rowCounts(api)).toEqual(counts);
        },
      );

      it("an identical retry still gets the first purchase: lines merged alike, the customer by externalId, no date (now)", async () => {
        const counts = await rowCounts(api);
        const { customerId: _, purchasedAt: __, ...rest } = first;
        const retry = await record({
          ...rest,
          customerExternalId: "HH-1",
          items: [{ productId: ids.milk, quantity: 3, amount: 8.97 }],
        });
        expect(retry).toEqual({ ...firstPurchase, created: false });
        expect(await rowCounts(api)).toEqual(counts);
      });
    });

    it("creates exactly one purchase when 10 identical requests with one idempotencyKey race", async () => {
      const input: RecordPurchaseInput = {
        customerId: ids.customer,
        idempotencyKey: "till-3:order-race",
        purchasedAt: "2025-05-07T10:00:00.000Z",
        items: [
          { sku: "MILK-1", quantity: 1, amount: 2.99 },
          { sku: "BRD-1", quantity: 2, amount: 5 },
        ],
      };
      const counts = await rowCounts(api);
      const responses = await Promise.all(
        Array.from({ length: 10 }, () => api.request(RecordPurchaseDocument, { input }, { as: "ingest" })),
      );
      for (const response of responses) expect(response.errors).toBeUndefined();
      const results = responses.map((response) => response.data!.recordPurchase);
      expect(results.filter((result) => result.created)).toHaveLength(1);
      expect(new Set(results.map((result) => result.purchase.id)).size).toBe(1);
      for (const result of results) expect(result.purchase).toEqual(results[0]!.purchase);
      expect(await rowCounts(api)).toEqual({
        ...counts,
        purchases: counts.purchases + 1,
        items: counts.items + 2,
      });
    });

    it("shows a recorded purchase in the customer's history", async () => {
      const { purchase } = await record({
        customerId: ids.customer,
        purchasedAt: new Date(Date.now() + 3_600_000).toISOString(),
        items: [{ sku: "BRD-1", quantity: 1, amount: 2.5 }],
      });
      const { customer } = dataOf(
        await api.request(CustomerDocument, { id: ids.customer, last: 1 }, { as: "read" }),
      );
      expect(customer!.purchases.map((p) => p.id)).toEqual([purchase.id]);
    });
  });

  describe("upsertCustomer", () => {
    const upsert = (input: { externalId: string; name: string; email?: string | null }) =>
      api.request(UpsertCustomerDocument, { input }, { as: "admin" });

    it("creates a customer that does not exist yet", async () => {
      const { upsertCustomer } = dataOf(
        await upsert({ externalId: "NEW-1", name: "Bea", email: "bea@example.com" }),
      );
      expect(upsertCustomer).toEqual({
        id: expect.any(String),
        externalId: "NEW-1",
        name: "Bea",
        email: "bea@example.com",
      });
      expect(
        await api.database.prisma.customer.findUniqueOrThrow({ where: { id: Number(upsertCustomer.id) } }),
      ).toMatchObject({ externalId: "NEW-1", name: "Bea", email: "bea@example.com" });
    });

    it("updates the customer with the same externalId instead of adding one", async () => {
      const created = dataOf(await upsert({ externalId: "NEW-2", name: "Caio", email: "caio@example.com" }));
      const customers = await api.database.prisma.customer.count();
      const { upsertCustomer } = dataOf(
        await upsert({ externalId: "NEW-2", name: "Caio Lima", email: "caio@lima.dev" }),
      );
      expect(upsertCustomer).toEqual({
        ...created.upsertCustomer,
        name: "Caio Lima",
        email: "caio@lima.dev",
      });
      expect(await api.database.prisma.customer.count()).toBe(customers);
    });

    it("removes the e-mail when it is sent as null", async () => {
      dataOf(await upsert({ externalId: "NEW-3", name: "Duda", email: "duda@example.com" }));
      const { upsertCustomer } = dataOf(await upsert({ externalId: "NEW-3", name: "Duda", email: null }));
      expect(upsertCustomer.email).toBeNull();
      expect(
        (await api.database.prisma.customer.findUniqueOrThrow({ where: { externalId: "NEW-3" } })).email,
      ).toBeNull();
    });

    it("refuses an e-mail another customer uses with BAD_USER_INPUT and changes nothing", async () => {
      dataOf(await upsert({ externalId: "NEW-4", name: "Eli", email: "eli@example.com" }));
      dataOf(await upsert({ externalId: "NEW-5", name: "Flor", email: "flor@example.com" }));
      const before = await api.database.prisma.customer.findMany({ orderBy: { id: "asc" } });

      for (const input of [
        { externalId: "NEW-5", name: "Flor renamed", email: "eli@example.com" },
        { externalId: "NEW-6", name: "Gui", email: "eli@example.com" },
      ]) {
        const response = await upsert(input);
        expect(response.status).toBeLessThan(500);
        expect(response.data ?? null).toBeNull();
        expect(response.errors).toEqual([
          expect.objectContaining({
            message: "email: another customer already uses this e-mail address",
            extensions: { code: "BAD_USER_INPUT" },
          }),
        ]);
      }
      expect(await api.database.prisma.customer.findMany({ orderBy: { id: "asc" } })).toEqual(before);
    });
  });

  describe("upsertProduct", () => {
    const upsert = (input: UpsertProductInput) =>
      api.request(UpsertProductDocument, { input }, { as: "admin" });

    it("creates a product that does not exist yet, with every field", async () => {
      const input = {
        sku: "EGG-12",
        name: "Large eggs",
        category: "EGGS",
        subcategory: "EGGS - LARGE",
        brand: "Private",
        packageSize: "12 CT",
      };
      const { upsertProduct } = dataOf(await upsert(input));
      expect(upsertProduct).toEqual({
        id: expect.any(String),
        ...input,
        createdAt: expect.stringMatching(/Z$/),
      });
      expect(
        await api.database.prisma.product.findUniqueOrThrow({ where: { id: Number(upsertProduct.id) } }),
      ).toMatchObject(input);
    });

    it("updates the product with the same sku instead of adding one; left-out optional fields become null", async () => {
      const created = dataOf(
        await upsert({ sku: "EGG-6", name: "Eggs", category: "EGGS", brand: "Private" }),
      );
      const products = await api.database.prisma.product.count();
      const { upsertProduct } = dataOf(
        await upsert({ sku: "EGG-6", name: "Brown eggs", category: "EGGS ORGANIC" }),
      );
      expect(upsertProduct).toEqual({
        ...created.upsertProduct,
        name: "Brown eggs",
        category: "EGGS ORGANIC",
        brand: null,
      });
      expect(await api.database.prisma.product.count()).toBe(products);
    });
  });
});
