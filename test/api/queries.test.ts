// Every query over real HTTP: fields, Relay pagination, search, category filter, categories,
// Customer.purchases, Purchase.items, PurchaseItem.product and DateTime values.
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { parse } from "graphql";
import {
  CategoriesDocument,
  CustomerByExternalIdDocument,
  CustomerDocument,
  CustomersDocument,
  type CustomersQueryVariables,
  ProductDocument,
  ProductsDocument,
  type ProductsQueryVariables,
} from "../../src/client/generated/graphql";
import type { GraphQLResponse, TestApi } from "../support/api";
import { describeApi } from "../support/api";

/** ISO 8601 in UTC, as the DateTime scalar sends it. */
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function dataOf<T>(response: GraphQLResponse<T>): T {
  expect(response.errors).toBeUndefined();
  expect(response.status).toBe(200);
  return response.data!;
}

const CUSTOMERS = [
  { externalId: "HH-001", name: "Ana Lima", email: "ana.lima@example.com" },
  { externalId: "hh-002", name: "Bruno Costa", email: "bruno@shop.test" },
  { externalId: "X-3", name: "Carla Ana Souza", email: null },
  { externalId: "X-4", name: "Dario", email: "dario@example.com" },
  { externalId: "X-5", name: "Eva", email: null },
  { externalId: "X-6", name: "Fabio", email: null },
  { externalId: "X-7", name: "Gil 100% Natural\\Bio", email: null },
];

const PRODUCTS = [
  {
    sku: "MILK-1",
    name: "Whole Milk 1 gal",
    category: "FLUID MILK PRODUCTS",
    subcategory: "FLUID MILK WHITE ONLY",
    brand: "National",
    packageSize: "1 GA",
  },
  { sku: "MILK-2", name: "Skim milk", category: "FLUID MILK PRODUCTS" },
  { sku: "BRD-1", name: "White Bread", category: "BREAD" },
  { sku: "BRD-2", name: "Rye bread", category: "BREAD" },
  { sku: "BRD-3", name: "Bagels", category: "BREAD" },
  ...Array.from({ length: 20 }, (_, i) => ({
    sku: `VEG-${String(i + 1).padStart(2, "0")}`,
    name: `Vegetable ${i + 1}`,
    category: "PRODUCE",
  })),
];

interface Seeded {
  customerIds: Map<string, string>;
  productIds: Map<string, string>;
}

async function seed(api: TestApi): Promise<Seeded> {
  const db = api.database.prisma;
  const customerIds = new Map<string, string>();
  for (const customer of CUSTOMERS) {
    customerIds.set(customer.externalId, String((await db.customer.create({ data: customer })).id));
  }
  const productIds = new Map<string, string>();
  for (const product of PRODUCTS) {
    productIds.set(product.sku, String((await db.product.create({ data: product })).id));
  }
  return { customerIds, productIds };
}

/** Follows endCursor until hasNextPage is false; returns every page. */
async function allPages<P extends { pageInfo: { hasNextPage: boolean; endCursor: string | null } }>(
  fetchPage: (after: string | null) => Promise<P>,
): Promise<P[]> {
  const pages: P[] = [];
  let after: string | null = null;
  for (;;) {
    const page = await fetchPage(after);
    pages.push(page);
    if (!page.pageInfo.hasNextPage) return pages;
    after = page.pageInfo.endCursor;
    if (pages.length > 50) throw new Error("pagination does not end");
  }
}

describeApi("queries", (api) => {
  let seeded: Seeded;
  beforeAll(async () => {
    seeded = await seed(api);
  });

  const customers = async (variables: CustomersQueryVariables) =>
    dataOf(await api.request(CustomersDocument, variables, { as: "read" })).customers;
  const products = async (variables: ProductsQueryVariables) =>
    dataOf(await api.request(ProductsDocument, variables, { as: "read" })).products;
  const externalIds = (page: Awaited<ReturnType<typeof customers>>) =>
    page.edges.map((e) => e.node.externalId);
  const skus = (page: Awaited<ReturnType<typeof products>>) => page.edges.map((e) => e.node.sku);
  const idOf = (externalId: string) => seeded.customerIds.get(externalId)!;
  const productIdOf = (sku: string) => seeded.productIds.get(sku)!;

  describe("customer(id) and customerByExternalId", () => {
    it("returns every field of a customer by id, createdAt as an ISO UTC string", async () => {
      const { customer } = dataOf(
        await api.request(CustomerDocument, { id: idOf("HH-001") }, { as: "admin" }),
      );
      expect(customer).toEqual({
        id: idOf("HH-001"),
        externalId: "HH-001",
        name: "Ana Lima",
        email: "ana.lima@example.com",
        createdAt: expect.stringMatching(ISO_UTC),
        purchases: [],
      });
      const stored = await api.database.prisma.customer.findUniqueOrThrow({
        where: { externalId: "HH-001" },
      });
      expect(customer!.createdAt).toBe(stored.createdAt.toISOString());
    });

    it("returns a null email as null", async () => {
      const { customer } = dataOf(await api.request(CustomerDocument, { id: idOf("X-3") }, { as: "admin" }));
      expect(customer).toMatchObject({ externalId: "X-3", email: null });
    });

    it("finds a customer by the retailer's external id", async () => {
      const { customerByExternalId } = dataOf(
        await api.request(CustomerByExternalIdDocument, { externalId: "hh-002" }, { as: "admin" }),
      );
      expect(customerByExternalId).toEqual({
        id: idOf("hh-002"),
        externalId: "hh-002",
        name: "Bruno Costa",
        email: "bruno@shop.test",
      });
    });
  });

  describe("e-mail addresses: ADMIN keys only", () => {
    const CustomerEmails = parse(
      "{ customers(first: 100) { edges { node { externalId email } } } }",
    ) as TypedDocumentNode<
      { customers: { edges: Array<{ node: { externalId: string; email: string | null } }> } },
      Record<string, never>
    >;

    const callers = [undefined, "read", "ingest"] as const;

    it.each(callers)("as %s: every way to a customer answers email null, and everything else", async (as) => {
      const options = as ? { as } : {};
      const one = dataOf(await api.request(CustomerDocument, { id: idOf("HH-001") }, options)).customer!;
      expect(one).toMatchObject({ externalId: "HH-001", name: "Ana Lima", email: null });
      const byExternalId = dataOf(
        await api.request(CustomerByExternalIdDocument, { externalId: "hh-002" }, options),
      ).customerByExternalId!;
      expect(byExternalId).toMatchObject({ name: "Bruno Costa", email: null });
      const page = dataOf(await api.request(CustomerEmails, {}, options)).customers;
      expect(page.edges.map((e) => e.node.externalId)).toEqual(CUSTOMERS.map((c) => c.externalId));
      expect(page.edges.map((e) => e.node.email)).toEqual(CUSTOMERS.map(() => null));
    });

    it.each(callers)(
      "as %s: search does not match e-mails (it would tell whose address is whose)",
      async (as) => {
        const page = dataOf(
          await api.request(CustomersDocument, { first: 100, search: "shop.test" }, as ? { as } : {}),
        );
        expect(page.customers.edges).toEqual([]);
      },
    );

    it("an ADMIN key reads every e-mail and finds customers by it", async () => {
      const page = dataOf(await api.request(CustomerEmails, {}, { as: "admin" })).customers;
      expect(page.edges.map((e) => e.node.email)).toEqual(CUSTOMERS.map((c) => c.email));
      const found = dataOf(
        await api.request(CustomersDocument, { first: 100, search: "SHOP.TEST" }, { as: "admin" }),
      );
      expect(found.customers.edges.map((e) => e.node.externalId)).toEqual(["hh-002"]);
    });
  });

  describe("customers(first, after)", () => {
    it("returns the first page in id order with a cursor per edge", async () => {
      const page = await customers({ first: 3 });
      expect(externalIds(page)).toEqual(["HH-001", "hh-002", "X-3"]);
      expect(page.edges.map((e) => e.node.id)).toEqual(["HH-001", "hh-002", "X-3"].map(idOf));
      expect(new Set(page.edges.map((e) => e.cursor)).size).toBe(3);
      expect(page.pageInfo).toEqual({ hasNextPage: true, endCursor: page.edges[2]!.cursor });
    });

    it("walks every page with endCursor; the last page is short and has hasNextPage false", async () => {
      const pages = await allPages((after) => customers({ first: 3, after }));
      expect(pages.map((page) => page.edges.length)).toEqual([3, 3, 1]);
      expect(pages.flatMap(externalIds)).toEqual(CUSTOMERS.map((c) => c.externalId));
      expect(pages[2]!.pageInfo).toEqual({ hasNextPage: false, endCursor: pages[2]!.edges[0]!.cursor });
    });

    it("says hasNextPage false when the page ends exactly at the last customer", async () => {
      expect((await customers({ first: 7 })).pageInfo.hasNextPage).toBe(false);
      expect((await customers({ first: 6 })).pageInfo.hasNextPage).toBe(true);
    });

    it("returns an empty page with a null endCursor after the last customer", async () => {
      const last = await customers({ first: 7 });
      expect(await customers({ first: 3, after: last.pageInfo.endCursor })).toEqual({
        edges: [],
        pageInfo: { hasNextPage: false, endCursor: null },
      });
    });

    it("returns the same page for the same cursor every time", async () => {
      const first = await customers({ first: 2 });
      const again = await customers({ first: 2, after: first.pageInfo.endCursor });
      expect(await customers({ first: 2, after: first.pageInfo.endCursor })).toEqual(again);
      expect(externalIds(again)).toEqual(["X-3", "X-4"]);
    });

    it("defaults to pages of 20", async () => {
      const page = await customers({});
      expect(page.edges).toHaveLength(CUSTOMERS.length);
      expect(page.pageInfo.hasNextPage).toBe(false);
    });

    it("keeps cursors valid when customers are added: new ones come after the existing ones", async () => {
      const db = api.database.prisma;
      const firstPage = await customers({ first: 4 });
      const added = await db.customer.create({ data: { externalId: "ADDED-1", name: "Late Comer" } });
      try {
        const rest = await allPages((after) =>
          customers({ first: 4, after: after ?? firstPage.pageInfo.endCursor }),
        );
        expect(rest.flatMap(externalIds)).toEqual(["X-5", "X-6", "X-7", "ADDED-1"]);
      } finally {
        await db.customer.delete({ where: { id: added.id } });
      }
    });
  });

  describe("customers(search)", () => {
    it("matches the name case-insensitively", async () => {
      expect(externalIds(await customers({ search: "ANA" }))).toEqual(["HH-001", "X-3"]);
    });

    it("matches the external id case-insensitively", async () => {
      expect(externalIds(await customers({ search: "hh-00" }))).toEqual(["HH-001", "hh-002"]);
    });

    it("matches %, _ and \\ as themselves, not as LIKE wildcards or escapes", async () => {
      expect(externalIds(await customers({ search: "100%" }))).toEqual(["X-7"]);
      expect(externalIds(await customers({ search: "%" }))).toEqual(["X-7"]);
      expect(externalIds(await customers({ search: "_" }))).toEqual([]);
      expect(externalIds(await customers({ search: "l\\b" }))).toEqual(["X-7"]);
    });

    it("pages through the matches with cursors", async () => {
      const pages = await allPages((after) => customers({ first: 2, after, search: "x-" }));
      expect(pages.map(externalIds)).toEqual([["X-3", "X-4"], ["X-5", "X-6"], ["X-7"]]);
    });

    it("returns an empty page when nothing matches", async () => {
      expect(await customers({ search: "nobody-by-this-name" })).toEqual({
        edges: [],
        pageInfo: { hasNextPage: false, endCursor: null },
      });
    });
  });

  describe("product(id), products and categories", () => {
    it("returns every field of a product by id, createdAt as an ISO UTC string", async () => {
      const { product } = dataOf(
        await api.request(ProductDocument, { id: productIdOf("MILK-1") }, { as: "read" }),
      );
      expect(product).toEqual({
        id: productIdOf("MILK-1"),
        ...PRODUCTS[0],
        createdAt: expect.stringMatching(ISO_UTC),
      });
      const stored = await api.database.prisma.product.findUniqueOrThrow({ where: { sku: "MILK-1" } });
      expect(product!.createdAt).toBe(stored.createdAt.toISOString());
    });

    it("returns missing optional fields as null", async () => {
      const { product } = dataOf(
        await api.request(ProductDocument, { id: productIdOf("BRD-3") }, { as: "read" }),
      );
      expect(product).toMatchObject({ sku: "BRD-3", subcategory: null, brand: null, packageSize: null });
    });

    it("defaults to pages of 20", async () => {
      const page = await products({});
      expect(skus(page)).toEqual(PRODUCTS.slice(0, 20).map((p) => p.sku));
      expect(page.pageInfo.hasNextPage).toBe(true);
    });

    it("walks every product page by page, in a stable order, to a last page without a next one", async () => {
      const pages = await allPages((after) => products({ first: 10, after }));
      expect(pages.map((page) => page.edges.length)).toEqual([10, 10, 5]);
      expect(pages.flatMap(skus)).toEqual(PRODUCTS.map((p) => p.sku));
      expect(pages[2]!.pageInfo).toEqual({ hasNextPage: false, endCursor: pages[2]!.edges[4]!.cursor });
      expect((await allPages((after) => products({ first: 10, after }))).flatMap(skus)).toEqual(
        pages.flatMap(skus),
      );
    });

    it("filters by category name in any case, page by page", async () => {
      const pages = await allPages((after) => products({ first: 2, after, category: "BREAD" }));
      expect(pages.map(skus)).toEqual([["BRD-1", "BRD-2"], ["BRD-3"]]);
      expect(skus(await products({ first: 5, category: " bread " }))).toEqual(["BRD-1", "BRD-2", "BRD-3"]);
    });

    it("refuses a category no product has, naming the closest", async () => {
      const response = await api.request(ProductsDocument, { category: "BRE" }, { as: "read" });
      expect(response.errors).toEqual([
        expect.objectContaining({
          message:
            'category: expected the name of a product category (any case), got "BRE". ' +
            'Did you mean "BREAD", "PRODUCE" or "FLUID MILK PRODUCTS"? The categories query lists all 3.',
          extensions: expect.objectContaining({ code: "BAD_USER_INPUT" }),
        }),
      ]);
    });

    it("searches the name case-insensitively", async () => {
      expect(skus(await products({ search: "milk" }))).toEqual(["MILK-1", "MILK-2"]);
      expect(skus(await products({ search: "BREAD" }))).toEqual(["BRD-1", "BRD-2"]);
    });

    it("searches the sku case-insensitively", async () => {
      expect(skus(await products({ search: "veg-1" }))).toEqual(
        Array.from({ length: 10 }, (_, i) => `VEG-${10 + i}`),
      );
    });

    it("combines category and search (and does not search the subcategory)", async () => {
      expect(skus(await products({ search: "white", category: "BREAD" }))).toEqual(["BRD-1"]);
      expect(skus(await products({ search: "white", category: "FLUID MILK PRODUCTS" }))).toEqual([]);
    });

    it("lists every category by name with its number of products", async () => {
      const { categories } = dataOf(await api.request(CategoriesDocument, {}, { as: "read" }));
      expect(categories).toEqual([
        { name: "BREAD", productCount: 3 },
        { name: "FLUID MILK PRODUCTS", productCount: 2 },
        { name: "PRODUCE", productCount: 20 },
      ]);
    });
  });

  describe("Customer.purchases, Purchase.items and PurchaseItem.product", () => {
    const at = (iso: string) => new Date(iso);

    beforeAll(async () => {
      const db = api.database.prisma;
      let written = 0;
      const purchase = (externalId: string, purchasedAt: string, items: Array<[string, number, number]>) =>
        db.purchase.create({
          data: {
            customerId: Number(idOf(externalId)),
            purchasedAt: at(purchasedAt),
            storeId: "store-9",
            total: items.reduce((sum, [, , amount]) => sum + amount, 0),
            idempotencyKey: `q:${++written}`,
            items: {
              create: items.map(([sku, quantity, amount]) => ({
                productId: Number(productIdOf(sku)),
                quantity,
                amount,
              })),
            },
          },
        });
      // Written out of date order; two share a time (the later id is then the newer).
      await purchase("X-4", "2025-03-02T09:00:00.000Z", [["MILK-1", 1, 3.49]]);
      await purchase("X-4", "2025-03-09T18:30:00.000Z", [
        ["BRD-1", 2, 4.5],
        ["MILK-1", 1.5, 5.24],
        ["VEG-01", 3, 1.2],
      ]);
      await purchase("X-4", "2025-02-23T12:00:00.000Z", [["BRD-2", 1, 2.99]]);
      await purchase("X-4", "2025-03-02T09:00:00.000Z", [["VEG-02", 1, 0.99]]);
      for (let day = 1; day <= 22; day++) {
        await purchase("X-5", `2025-01-${String(day).padStart(2, "0")}T10:00:00.000Z`, [["VEG-03", 1, 1]]);
      }
    });

    const purchasesOf = async (externalId: string, last?: number) =>
      dataOf(await api.request(CustomerDocument, { id: idOf(externalId), last }, { as: "read" })).customer!
        .purchases;

    it("lists a customer's purchases newest first (same time: the later one first)", async () => {
      const purchases = await purchasesOf("X-4");
      expect(purchases.map((p) => p.purchasedAt)).toEqual([
        "2025-03-09T18:30:00.000Z",
        "2025-03-02T09:00:00.000Z",
        "2025-03-02T09:00:00.000Z",
        "2025-02-23T12:00:00.000Z",
      ]);
      expect(Number(purchases[1]!.id)).toBeGreaterThan(Number(purchases[2]!.id));
      expect(purchases[1]!.items[0]!.product.sku).toBe("VEG-02");
    });

    it("returns only the newest `last` purchases", async () => {
      const purchases = await purchasesOf("X-4", 2);
      expect(purchases.map((p) => p.purchasedAt)).toEqual([
        "2025-03-09T18:30:00.000Z",
        "2025-03-02T09:00:00.000Z",
      ]);
    });

    it("returns the newest 20 purchases by default", async () => {
      const purchases = await purchasesOf("X-5");
      expect(purchases).toHaveLength(20);
      expect(purchases[0]!.purchasedAt).toBe("2025-01-22T10:00:00.000Z");
      expect(purchases[19]!.purchasedAt).toBe("2025-01-03T10:00:00.000Z");
    });

    it("returns an empty list for a customer without purchases", async () => {
      expect(await purchasesOf("X-6")).toEqual([]);
    });

    it("returns a purchase's items in the order written, with quantity, amount and product", async () => {
      const [newest] = await purchasesOf("X-4", 1);
      expect(newest).toEqual({
        id: expect.any(String),
        purchasedAt: "2025-03-09T18:30:00.000Z",
        storeId: "store-9",
        total: 10.94,
        items: [
          {
            id: expect.any(String),
            quantity: 2,
            amount: 4.5,
            product: { id: productIdOf("BRD-1"), sku: "BRD-1", name: "White Bread", category: "BREAD" },
          },
          {
            id: expect.any(String),
            quantity: 1.5,
            amount: 5.24,
            product: {
              id: productIdOf("MILK-1"),
              sku: "MILK-1",
              name: "Whole Milk 1 gal",
              category: "FLUID MILK PRODUCTS",
            },
          },
          {
            id: expect.any(String),
            quantity: 3,
            amount: 1.2,
            product: { id: productIdOf("VEG-01"), sku: "VEG-01", name: "Vegetable 1", category: "PRODUCE" },
          },
        ],
      });
      const itemIds = newest!.items.map((item) => Number(item.id));
      expect(itemIds).toEqual([...itemIds].sort((a, b) => a - b));
    });

    it("sends every DateTime as an ISO 8601 UTC string", async () => {
      const { customer } = dataOf(await api.request(CustomerDocument, { id: idOf("X-4") }, { as: "read" }));
      expect(customer!.createdAt).toMatch(ISO_UTC);
      for (const purchase of customer!.purchases) expect(purchase.purchasedAt).toMatch(ISO_UTC);
    });
  });
});
