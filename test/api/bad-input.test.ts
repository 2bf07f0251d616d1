// Every kind of bad input gets one clear GraphQL error with a stable code: no stack trace, no
// internal text, no 5xx, and nothing written.
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print } from "graphql";
import {
  CustomerByExternalIdDocument,
  CustomerDocument,
  CustomersDocument,
  ProductDocument,
  ProductsDocument,
  RecordPurchaseDocument,
  type RecordPurchaseInput,
  UpsertCustomerDocument,
  type UpsertCustomerInput,
  UpsertProductDocument,
  type UpsertProductInput,
} from "../../src/client/generated/graphql";
import { describeApi, type GraphQLResponse, TEST_KEYS } from "../support/api";
import { expectRefused, snapshot } from "../support/refusals";

const LONG = "x".repeat(10_000);
const DAY = 86_400_000;
const cursorOf = (text: string) => Buffer.from(text).toString("base64url");

describeApi("bad input", (api) => {
  const ids = { customer: "", milk: "" };
  let before: string;

  beforeAll(async () => {
    const db = api.database.prisma;
    ids.customer = String((await db.customer.create({ data: { externalId: "HH-1", name: "Ana" } })).id);
    ids.milk = String(
      (await db.product.create({ data: { sku: "MILK-1", name: "Milk", category: "DAIRY" } })).id,
    );
    await db.purchase.create({
      data: {
        customerId: Number(ids.customer),
        purchasedAt: new Date("2025-01-01T00:00:00Z"),
        total: 1,
        idempotencyKey: "existing-1",
        items: { create: [{ productId: Number(ids.milk), quantity: 1, amount: 1 }] },
      },
    });
    before = await snapshot(api);
  });

  afterEach(async () => {
    expect(await snapshot(api)).toBe(before);
  });

  /** Sends a typed operation as admin (so only the input can be wrong). */
  const send = <TData, TVars>(document: TypedDocumentNode<TData, TVars>, variables: TVars) =>
    api.request(document, variables, { as: "admin" });

  /** Sends a typed operation's text with variables the types would not allow. */
  async function sendRaw(document: TypedDocumentNode<unknown, never>, variables: unknown, rawBody?: string) {
    const response = await api.raw({
      body: rawBody ?? JSON.stringify({ query: print(document), variables }),
      headers: { "content-type": "application/json", authorization: `Bearer ${TEST_KEYS.admin}` },
    });
    const body = JSON.parse(response.text) as GraphQLResponse<unknown>;
    return { ...body, status: response.status };
  }

  const purchase = (input: Partial<RecordPurchaseInput>): { input: RecordPurchaseInput } => ({
    input: { customerId: ids.customer, items: [{ productId: ids.milk, quantity: 1, amount: 1 }], ...input },
  });

  describe("unknown ids → NOT_FOUND", () => {
    it("customer(id) with an id nobody has", async () => {
      expectRefused(
        await send(CustomerDocument, { id: "999999" }),
        "NOT_FOUND",
        /^No customer with id 999999$/,
      );
    });

    it("customerByExternalId with an external id nobody has", async () => {
      expectRefused(
        await send(CustomerByExternalIdDocument, { externalId: "nobody" }),
        "NOT_FOUND",
        /^No customer with externalId "nobody"$/,
      );
    });

    it("product(id) with an id no product has", async () => {
      expectRefused(
        await send(ProductDocument, { id: "999999" }),
        "NOT_FOUND",
        /^No product with id 999999$/,
      );
    });

    it("recordPurchase for an unknown customerId", async () => {
      expectRefused(
        await send(RecordPurchaseDocument, purchase({ customerId: "999999" })),
        "NOT_FOUND",
        /^No customer with id 999999$/,
      );
    });

    it("recordPurchase for an unknown customerExternalId", async () => {
      expectRefused(
        await send(RecordPurchaseDocument, purchase({ customerId: null, customerExternalId: "nobody" })),
        "NOT_FOUND",
        /^No customer with externalId "nobody"$/,
      );
    });

    it("recordPurchase with an unknown productId, even next to a known product", async () => {
      expectRefused(
        await send(
          RecordPurchaseDocument,
          purchase({
            items: [
              { productId: ids.milk, quantity: 1 },
              { productId: "999999", quantity: 1 },
            ],
          }),
        ),
        "NOT_FOUND",
        /^Unknown product: id 999999$/,
      );
    });

    it("recordPurchase with unknown skus names each of them", async () => {
      expectRefused(
        await send(
          RecordPurchaseDocument,
          purchase({
            items: [
              { sku: "NOPE-1", quantity: 1 },
              { sku: "MILK-1", quantity: 1 },
              { sku: "NOPE-2", quantity: 1 },
            ],
          }),
        ),
        "NOT_FOUND",
        /^Unknown products: sku "NOPE-1", sku "NOPE-2"$/,
      );
    });
  });

  describe("malformed ids → BAD_USER_INPUT", () => {
    it.each(["abc", "0", "-3", "1.5", "1e3", "2147483648", "99999999999", "1".repeat(10_000)])(
      "customer(id: %s)",
      async (id) => {
        expectRefused(
          await send(CustomerDocument, { id }),
          "BAD_USER_INPUT",
          /^id: expected a whole number from 1/,
        );
      },
    );

    it("product(id) that is not a number", async () => {
      expectRefused(
        await send(ProductDocument, { id: "milk" }),
        "BAD_USER_INPUT",
        /^id: expected a whole number/,
      );
    });

    it("recordPurchase with a customerId beyond the id range", async () => {
      expectRefused(
        await send(RecordPurchaseDocument, purchase({ customerId: "99999999999" })),
        "BAD_USER_INPUT",
        /^customerId: expected a whole number/,
      );
    });

    it("recordPurchase with a productId that is not a number", async () => {
      expectRefused(
        await send(RecordPurchaseDocument, purchase({ items: [{ productId: "milk", quantity: 1 }] })),
        "BAD_USER_INPUT",
        /^items\[0\]\.productId: expected a whole number/,
      );
    });
  });

  describe("recordPurchase: quantities, amounts and lines → BAD_USER_INPUT", () => {
    it.each([0, -1, -0.5, 100_001, 5e-324, 0.0009])("quantity %s", async (quantity) => {
      expectRefused(
        await send(RecordPurchaseDocument, purchase({ items: [{ productId: ids.milk, quantity }] })),
        "BAD_USER_INPUT",
        /items\.0\.quantity must/,
      );
    });

    it("lines of one product whose quantities add up to more than one line may hold", async () => {
      const items = [
        { productId: ids.milk, quantity: 60_000 },
        { sku: "MILK-1", quantity: 60_000 },
      ];
      expectRefused(
        await send(RecordPurchaseDocument, purchase({ items })),
        "BAD_USER_INPUT",
        new RegExp(
          `^items: product ${ids.milk}: expected at most 100000 units per line, got 120000 in its 2 lines`,
        ),
      );
    });

    it("lines of one product whose amounts add up to more than one line may cost", async () => {
      const items = [
        { productId: ids.milk, quantity: 1, amount: 6_000_000 },
        { productId: ids.milk, quantity: 1, amount: 6_000_000 },
      ];
      expectRefused(
        await send(RecordPurchaseDocument, purchase({ items })),
        "BAD_USER_INPUT",
        new RegExp(`^items: product ${ids.milk}: expected at most an amount of 10000000 per line`),
      );
    });

    it("quantity NaN", async () => {
      const response = await sendRaw(RecordPurchaseDocument, {
        input: { customerId: ids.customer, items: [{ sku: "MILK-1", quantity: "NaN" }] },
      });
      expectRefused(response, "BAD_USER_INPUT", /quantity.*Float cannot represent non numeric value: "NaN"/);
    });

    it("quantity too large for a number (1e400 reads as Infinity)", async () => {
      const body = `{"query":${JSON.stringify(print(RecordPurchaseDocument))},"variables":{"input":{"customerId":"${ids.customer}","items":[{"sku":"MILK-1","quantity":1e400}]}}}`;
      expectRefused(
        await sendRaw(RecordPurchaseDocument, null, body),
        "BAD_USER_INPUT",
        /quantity.*Infinity/,
      );
    });

    it("quantity that is not a number at all", async () => {
      const response = await sendRaw(RecordPurchaseDocument, {
        input: { customerId: ids.customer, items: [{ sku: "MILK-1", quantity: "two" }] },
      });
      expectRefused(response, "BAD_USER_INPUT", /items\[0\]\.quantity.*Float cannot represent/);
    });

    it("negative amount", async () => {
      expectRefused(
        await send(
          RecordPurchaseDocument,
          purchase({ items: [{ productId: ids.milk, quantity: 1, amount: -2 }] }),
        ),
        "BAD_USER_INPUT",
        /items\.0\.amount must not be less than 0/,
      );
    });

    it("an empty list of items", async () => {
      expectRefused(
        await send(RecordPurchaseDocument, purchase({ items: [] })),
        "BAD_USER_INPUT",
        /items must list at least one line/,
      );
    });

    it("more than 200 lines", async () => {
      const items = Array.from({ length: 201 }, () => ({ productId: ids.milk, quantity: 1 }));
      expectRefused(
        await send(RecordPurchaseDocument, purchase({ items })),
        "BAD_USER_INPUT",
        /items must contain no more than 200 elements/,
      );
    });

    it("a line with both productId and sku", async () => {
      expectRefused(
        await send(
          RecordPurchaseDocument,
          purchase({ items: [{ productId: ids.milk, sku: "MILK-1", quantity: 1 }] }),
        ),
        "BAD_USER_INPUT",
        /^items\[0\]: expected exactly one of productId or sku, got both$/,
      );
    });

    it("a line with neither productId nor sku", async () => {
      expectRefused(
        await send(RecordPurchaseDocument, purchase({ items: [{ quantity: 1 }] })),
        "BAD_USER_INPUT",
        /^items\[0\]: expected exactly one of productId or sku, got neither$/,
      );
    });

    it("both customerId and customerExternalId", async () => {
      expectRefused(
        await send(RecordPurchaseDocument, purchase({ customerExternalId: "HH-1" })),
        "BAD_USER_INPUT",
        /^expected exactly one of customerId or customerExternalId, got both$/,
      );
    });

    it("neither customerId nor customerExternalId", async () => {
      expectRefused(
        await send(RecordPurchaseDocument, purchase({ customerId: null })),
        "BAD_USER_INPUT",
        /^expected exactly one of customerId or customerExternalId, got neither$/,
      );
    });

    it("a missing items field", async () => {
      const { items: _, ...input } = purchase({}).input;
      const response = await sendRaw(RecordPurchaseDocument, { input });
      expectRefused(
        response,
        "BAD_USER_INPUT",
        /Field "items" of required type "\[PurchaseLineInput!\]!" was not provided/,
      );
    });
  });

  describe("recordPurchase: dates → BAD_USER_INPUT", () => {
    it.each([
      ["far in the future", "2999-01-01T00:00:00.000Z"],
      ["two days ahead", () => new Date(Date.now() + 2 * DAY).toISOString()],
    ])("purchasedAt %s", async (_, date) => {
      const purchasedAt = typeof date === "function" ? date() : date;
      expectRefused(
        await send(RecordPurchaseDocument, purchase({ purchasedAt })),
        "BAD_USER_INPUT",
        /^purchasedAt: expected a time no later than a day from now, got \d{4}-/,
      );
    });

    it("purchasedAt before 2000", async () => {
      expectRefused(
        await send(RecordPurchaseDocument, purchase({ purchasedAt: "1999-12-31T23:59:59.000Z" })),
        "BAD_USER_INPUT",
        /^purchasedAt: expected a time after 2000-01-01/,
      );
    });

    it.each(["yesterday", "2025-02-30T10:00:00Z", "2025-05-01", "2025-05-01T10:00:00"])(
      "purchasedAt %s that is not an ISO 8601 date-time",
      async (purchasedAt) => {
        expectRefused(
          await send(RecordPurchaseDocument, purchase({ purchasedAt })),
          "BAD_USER_INPUT",
          /purchasedAt.*DateTime cannot represent/,
        );
      },
    );
  });

  describe("pagination → BAD_USER_INPUT", () => {
    it.each([
      ["not base64 at all", "not a cursor!"],
      ["another prefix", cursorOf("v2:5")],
      ["a non-numeric id", cursorOf("v1:abc")],
      ["base64 padding", `${cursorOf("v1:5")}=`],
      ["an id beyond the id range", cursorOf("v1:99999999999")],
    ])("customers(after) with a cursor with %s", async (_, after) => {
      expectRefused(
        await send(CustomersDocument, { after }),
        "BAD_USER_INPUT",
        /^after: expected a cursor returned by this API, got ".*"$/,
      );
    });

    it("products(after) with a malformed cursor", async () => {
      expectRefused(
        await send(ProductsDocument, { after: "djE6" }),
        "BAD_USER_INPUT",
        /^after: expected a cursor returned by this API/,
      );
    });

    it("a cursor longer than 100 characters", async () => {
      expectRefused(
        await send(CustomersDocument, { after: LONG }),
        "BAD_USER_INPUT",
        /after must be shorter than or equal to 100 characters/,
      );
    });

    it.each([
      [101, /first must not be greater than 100/],
      [0, /first must not be less than 1/],
      [-5, /first must not be less than 1/],
    ])("customers(first: %s)", async (first, message) => {
      expectRefused(await send(CustomersDocument, { first }), "BAD_USER_INPUT", message);
    });

    it("products(first: 101)", async () => {
      expectRefused(
        await send(ProductsDocument, { first: 101 }),
        "BAD_USER_INPUT",
        /first must not be greater than 100/,
      );
    });

    it.each([
      [101, /last must not be greater than 100/],
      [0, /last must not be less than 1/],
    ])("Customer.purchases(last: %s)", async (last, message) => {
      expectRefused(await send(CustomerDocument, { id: ids.customer, last }), "BAD_USER_INPUT", message);
    });

    it("first that is not an integer", async () => {
      expectRefused(
        await sendRaw(CustomersDocument, { first: "ten" }),
        "BAD_USER_INPUT",
        /"\$first" got invalid value "ten"; Int cannot represent non-integer value/,
      );
    });

    it("first beyond 32 bits", async () => {
      expectRefused(
        await sendRaw(CustomersDocument, { first: 2 ** 40 }),
        "BAD_USER_INPUT",
        /"\$first".*Int cannot represent non 32-bit signed integer value/,
      );
    });
  });

  describe("very long or malformed strings → BAD_USER_INPUT", () => {
    it("customers(search) longer than 100 characters", async () => {
      expectRefused(
        await send(CustomersDocument, { search: LONG }),
        "BAD_USER_INPUT",
        /search must be shorter than or equal to 100 characters/,
      );
    });

    it("products(search) and products(category) too long", async () => {
      expectRefused(
        await send(ProductsDocument, { search: LONG }),
        "BAD_USER_INPUT",
        /search must be shorter than or equal to 100 characters/,
      );
      expectRefused(
        await send(ProductsDocument, { category: LONG }),
        "BAD_USER_INPUT",
        /category must be shorter than or equal to 200 characters/,
      );
    });

    it("customerByExternalId longer than 100 characters", async () => {
      expectRefused(
        await send(CustomerByExternalIdDocument, { externalId: LONG }),
        "BAD_USER_INPUT",
        /^externalId: expected at most 100 characters$/,
      );
    });

    it.each<[string, Partial<RecordPurchaseInput>, RegExp]>([
      [
        "customerExternalId",
        { customerId: null, customerExternalId: LONG },
        /customerExternalId must be shorter/,
      ],
      ["storeId", { storeId: LONG }, /storeId must be shorter than or equal to 64 characters/],
      [
        "idempotencyKey",
        { idempotencyKey: LONG },
        /idempotencyKey must be shorter than or equal to 200 characters/,
      ],
      [
        "sku",
        { items: [{ sku: LONG, quantity: 1 }] },
        /items\.0\.sku must be shorter than or equal to 100 characters/,
      ],
    ])("recordPurchase with a very long %s", async (_, input, message) => {
      expectRefused(await send(RecordPurchaseDocument, purchase(input)), "BAD_USER_INPUT", message);
    });

    it.each(["", "has space", "tab\there", "ümlaut"])(
      "recordPurchase with idempotencyKey %j",
      async (idempotencyKey) => {
        expectRefused(
          await send(RecordPurchaseDocument, purchase({ idempotencyKey })),
          "BAD_USER_INPUT",
          /idempotencyKey must be printable ASCII without spaces/,
        );
      },
    );

    it.each<[string, UpsertCustomerInput, RegExp]>([
      [
        "a very long externalId",
        { externalId: LONG, name: "Ana" },
        /externalId must be shorter than or equal to 100/,
      ],
      ["a very long name", { externalId: "HH-9", name: LONG }, /name must be shorter than or equal to 200/],
      ["an empty name", { externalId: "HH-9", name: "" }, /^Invalid input: name must not be empty$/],
      [
        "an empty externalId",
        { externalId: "", name: "Ana" },
        /^Invalid input: externalId must not be empty$/,
      ],
      [
        "an externalId with outer spaces",
        { externalId: " HH-9 ", name: "Ana" },
        /externalId must not start or end/,
      ],
      [
        "an invalid e-mail",
        { externalId: "HH-9", name: "Ana", email: "not-an-email" },
        /email must be an email/,
      ],
      ["a very long e-mail", { externalId: "HH-9", name: "Ana", email: `${LONG}@example.com` }, /email must/],
    ])("upsertCustomer with %s", async (_, input, message) => {
      expectRefused(await send(UpsertCustomerDocument, { input }), "BAD_USER_INPUT", message);
    });

    it.each<[string, UpsertProductInput, RegExp]>([
      [
        "a very long sku",
        { sku: LONG, name: "Milk", category: "DAIRY" },
        /sku must be shorter than or equal to 100/,
      ],
      [
        "a sku with spaces",
        { sku: "MILK 2", name: "Milk", category: "DAIRY" },
        /sku must not contain white space/,
      ],
      [
        "an empty sku",
        { sku: "", name: "Milk", category: "DAIRY" },
        /^Invalid input: sku must not be empty$/,
      ],
      [
        "a very long name",
        { sku: "MILK-2", name: LONG, category: "DAIRY" },
        /name must be shorter than or equal to 300/,
      ],
      [
        "an empty category",
        { sku: "MILK-2", name: "Milk", category: "" },
        /^Invalid input: category must not be empty$/,
      ],
      [
        "a very long subcategory",
        { sku: "MILK-2", name: "Milk", category: "DAIRY", subcategory: LONG },
        /subcategory must be shorter than or equal to 200/,
      ],
      [
        "a very long brand",
        { sku: "MILK-2", name: "Milk", category: "DAIRY", brand: LONG },
        /brand must be shorter than or equal to 200/,
      ],
      [
        "a very long packageSize",
        { sku: "MILK-2", name: "Milk", category: "DAIRY", packageSize: LONG },
        /packageSize must be shorter than or equal to 100/,
      ],
    ])("upsertProduct with %s", async (_, input, message) => {
      expectRefused(await send(UpsertProductDocument, { input }), "BAD_USER_INPUT", message);
    });
  });

  it("an idempotencyKey retry is still checked: a bad retry is refused, not answered with the first purchase", async () => {
    expectRefused(
      await send(RecordPurchaseDocument, purchase({ idempotencyKey: "existing-1", items: [] })),
      "BAD_USER_INPUT",
      /items must list at least one line/,
    );
  });
});
