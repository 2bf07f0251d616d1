// Query limits against the real server: depth, estimated cost, aliases, directives, document size
// and batching are refused before anything runs (no SQL), with QUERY_TOO_COMPLEX (batching: a plain
// 400) and never a 5xx, while the frontends' own deep queries still pass. The limits count through
// fragments and cannot be dodged with variables or negative page sizes.
import {
  CustomersWithHistoryDocument,
  RecordPurchaseDocument,
  UpsertCustomerDocument,
  UpsertProductDocument,
} from "../../src/client/generated/graphql";
import { DEFAULT_QUERY_LIMITS } from "../../src/graphql/query-limits";
import { MAX_RESPONSE_BYTES } from "../../src/graphql/response-size";
import { findProductIds, insertMissingProducts } from "../../src/products/bulk-write";
import { type PurchaseRecord, writePurchaseBatch } from "../../src/purchases/bulk-write";
import { describeApi, TEST_KEYS, type TestApi } from "../support/api";

interface Answer {
  status: number;
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

/** Sends a query string as the READ key; counts the SQL it caused. */
async function send(api: TestApi, query: string, variables?: Record<string, unknown>) {
  api.resetSqlCount();
  const response = await api.raw({
    body: JSON.stringify({ query, variables }),
    headers: { "content-type": "application/json", authorization: `Bearer ${TEST_KEYS.read}` },
  });
  return { ...(JSON.parse(response.text) as Answer), status: response.status, sql: api.sqlCount() };
}

function expectTooComplex(answer: Answer & { sql: number }, message: RegExp) {
  expect(answer.status).toBe(400);
  expect(answer.errors).toEqual([
    expect.objectContaining({
      message: expect.stringMatching(message),
      extensions: { code: "QUERY_TOO_COMPLEX" },
    }),
  ]);
  expect(answer.data).toBeUndefined();
  expect(answer.sql).toBe(0);
}

const ITEMS = "items { id quantity amount product { id sku name category } }";
const DETAILS = `id purchasedAt storeId total ${ITEMS}`;
/** The whole history of a page of customers: every purchase with its lines and products. */
const history = (first: string, last: string) =>
  `customers(first: ${first}) { edges { node { id purchases(last: ${last}) { ${DETAILS} } } } }`;
/** Lighter per purchase (product ids only): 130,413 for 4 customers × 100 purchases. */
const thinHistory = "edges { node { purchases(last: 100) { items { product { id } } } } }";
/**
 * The heaviest query the limits allowed before (cost ≈ 310,000 then, 4 MB and seconds of CPU on a
 * long history), and the same shape cut to the largest page the limit allows now.
 */
const formerWorst = (first: number) =>
  `{ customers(first: ${first}) { edges { node { purchases(last: 100) { items { product { name } } } } } } }`;
const WORST_ALLOWED_FIRST = 4;

describeApi("query limits", (api) => {
  beforeAll(async () => {
    const product = await api.request(
      UpsertProductDocument,
      { input: { sku: "MILK-1", name: "Whole milk", category: "DAIRY" } },
      { as: "admin" },
    );
    expect(product.errors).toBeUndefined();
    for (const externalId of ["c-1", "c-2"]) {
      const customer = await api.request(
        UpsertCustomerDocument,
        { input: { externalId, name: `Customer ${externalId}` } },
        { as: "admin" },
      );
      expect(customer.errors).toBeUndefined();
      const purchase = await api.request(
        RecordPurchaseDocument,
        { input: { customerExternalId: externalId, items: [{ sku: "MILK-1", quantity: 2 }] } },
        { as: "ingest" },
      );
      expect(purchase.errors).toBeUndefined();
    }
  });

  describe("accepted", () => {
    it("the frontend's CustomersWithHistory with as many customers as the cost allows (19)", async () => {
      const answer = await api.request(CustomersWithHistoryDocument, { first: 19 }, { as: "read" });
      expect(answer.errors).toBeUndefined();
      const edges = answer.data?.customers.edges ?? [];
      expect(edges).toHaveLength(2);
      expect(edges[0]?.node.purchases[0]?.items[0]?.product.sku).toBe("MILK-1");
    });

    it("a query composed of nested fragments, counted by its real depth", async () => {
      // Depth 5 in fields; four fragment spreads must not make it look deeper.
      const answer = await send(
        api,
        `query Card($id: String!) { customerByExternalId(externalId: $id) { ...CustomerCard } }
         fragment CustomerCard on Customer { id purchases(last: 5) { ...PurchaseRow } }
         fragment PurchaseRow on Purchase { id items { ...ItemRow } }
         fragment ItemRow on PurchaseItem { quantity product { ...ProductName } }
         fragment ProductName on Product { id name }`,
        { id: "c-1" },
      );
      expect(answer.errors).toBeUndefined();
      expect(answer.data).toMatchObject({
        customerByExternalId: { purchases: [{ items: [{ quantity: 2, product: { name: "Whole milk" } }] }] },
      });
    });

    it(`exactly ${DEFAULT_QUERY_LIMITS.maxAliases} aliases and ${DEFAULT_QUERY_LIMITS.maxDirectives} directives`, async () => {
      const aliases = Array.from(
        { length: DEFAULT_QUERY_LIMITS.maxAliases },
        (_, i) => `a${i}: categories { name }`,
      );
      expect((await send(api, `{ ${aliases.join(" ")} }`)).errors).toBeUndefined();
      const directives = Array.from(
        { length: DEFAULT_QUERY_LIMITS.maxDirectives },
        (_, i) => `f${i}: __typename @include(if: true)`,
      );
      expect((await send(api, `{ ${directives.join(" ")} }`)).errors).toBeUndefined();
    });
  });

  describe("depth", () => {
    // customer → purchases → customer → … : 13 levels of fields.
    const deep =
      "customer(id: 1) { purchases { customer { purchases { customer { purchases { customer { purchases { customer { purchases { customer { purchases { id } } } } } } } } } } } }";

    it("refuses a query nested deeper than the limit", async () => {
      expectTooComplex(await send(api, `{ ${deep} }`), /^Query depth limit of 12 exceeded, found 13\.$/);
    });

    it("counts through fragments", async () => {
      const answer = await send(
        api,
        `{ customer(id: 1) { ...A } }
         fragment A on Customer { purchases { customer { ...B } } }
         fragment B on Customer { purchases { customer { purchases { customer { ...C } } } } }
         fragment C on Customer { purchases { customer { purchases { customer { purchases { id } } } } } }`,
      );
      expectTooComplex(answer, /^Query depth limit of 12 exceeded, found 13\.$/);
    });
  });

  describe("cost", () => {
    it("refuses the heaviest query the limits allowed before", async () => {
      expectTooComplex(
        await send(api, formerWorst(100)),
        /^Query cost limit of 160000 exceeded, found 3260301: ask for smaller pages or fewer fields\.$/,
      );
      expectTooComplex(await send(api, formerWorst(WORST_ALLOWED_FIRST + 1)), /^Query cost limit/);
      const allowed = await send(api, formerWorst(WORST_ALLOWED_FIRST));
      expect(allowed.status).toBe(200);
      expect(allowed.errors).toBeUndefined();
    });

    it("refuses the whole history of 100 customers × 100 purchases, whether sizes are literals or variables", async () => {
      expectTooComplex(
        await send(api, `{ ${history("100", "100")} }`),
        /^Query cost limit of 160000 exceeded/,
      );
      expectTooComplex(
        await send(api, `query($n: Int, $l: Int) { ${history("$n", "$l")} }`, { n: 100, l: 100 }),
        /^Query cost limit/,
      );
      // A variable's default in the operation counts as much as a value sent.
      expectTooComplex(
        await send(api, `query($n: Int = 100, $l: Int = 100) { ${history("$n", "$l")} }`),
        /^Query cost limit/,
      );
    });

    it("judges a repeated document by each request's own variables, however often it was sent", async () => {
      const query = `query($n: Int, $l: Int) { ${history("$n", "$l")} }`;
      for (let round = 0; round < 2; round++) {
        const light = await send(api, query, { n: 2, l: 5 });
        expect(light.errors).toBeUndefined();
        expectTooComplex(await send(api, query, { n: 100, l: 100 }), /^Query cost limit/);
      }
    });

    it("adds up aliases, also when the heavy part sits in a fragment", async () => {
      const one = await send(api, `{ customers(first: 4) { ${thinHistory} } }`);
      expect(one.errors).toBeUndefined();
      expectTooComplex(
        await send(
          api,
          `{ a: customers(first: 4) { ...Heavy } b: customers(first: 4) { ...Heavy } }
           fragment Heavy on CustomerConnection { ${thinHistory} }`,
        ),
        /^Query cost limit of 160000 exceeded, found 260826/,
      );
    });

    it("cannot be paid for with a negative page size beside the heavy field", async () => {
      // The negative size fails validation when executed; it must not lower the estimate first.
      const answer = await send(
        api,
        `query($l: Int) { a: customers(first: -2000000000) { ${thinHistory} } b: ${history("4", "$l")} }`,
        { l: 100 },
      );
      expectTooComplex(answer, /^Query cost limit/);
    });

    it("refuses fragments that spread into each other until they expand to too many fields", async () => {
      let fragments = "fragment F0 on Query { categories { name } }";
      for (let i = 1; i <= 16; i++) fragments += ` fragment F${i} on Query { ...F${i - 1} ...F${i - 1} }`;
      expectTooComplex(await send(api, `{ ...F16 } ${fragments}`), /^Query too large: its fragments expand/);
    });

    it("answers a variable of the wrong type with BAD_USER_INPUT, not a server error", async () => {
      const answer = await send(api, `query($l: Int) { ${history("10", "$l")} }`, { l: "lots" });
      expect(answer.status).toBe(400);
      expect(answer.errors).toEqual([
        expect.objectContaining({
          message: expect.stringContaining('Variable "$l" got invalid value "lots"'),
          extensions: { code: "BAD_USER_INPUT" },
        }),
      ]);
      expect(answer.sql).toBe(0);
    });
  });

  describe("flooding", () => {
    it("refuses more aliases than the limit, counted through fragments", async () => {
      const aliases = (n: number, prefix: string) =>
        Array.from({ length: n }, (_, i) => `${prefix}${i}: categories { name }`).join(" ");
      expectTooComplex(
        await send(api, `{ ${aliases(31, "a")} }`),
        /^Aliases limit of 30 exceeded, found 31\.$/,
      );
      expectTooComplex(
        await send(
          api,
          `{ ...A customers { ...B } } fragment A on Query { ${aliases(16, "a")} }
           fragment B on CustomerConnection { e1: edges { cursor } ${Array.from({ length: 15 }, (_, i) => `p${i}: pageInfo { hasNextPage }`).join(" ")} }`,
        ),
        /^Aliases limit of 30 exceeded, found 32\.$/,
      );
    });

    it("refuses more directives than the limit, counted through fragments", async () => {
      const skips = (n: number) => Array.from({ length: n }, () => "__typename @skip(if: false)").join(" ");
      expectTooComplex(await send(api, `{ ${skips(21)} }`), /^Directives limit of 20 exceeded, found 21\.$/);
      expectTooComplex(
        await send(
          api,
          `{ a: customers { ...D } b: customers { ...D } } fragment D on CustomerConnection { ${skips(11)} }`,
        ),
        /^Directives limit of 20 exceeded, found 22\.$/,
      );
    });

    it("refuses the same directive repeated on one field before running anything", async () => {
      const answer = await send(api, `{ categories ${"@include(if: true) ".repeat(200)} { name } }`);
      expect(answer.status).toBe(400);
      expect(answer.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
      // graphql-js stops at 100 errors: the answer stays small however long the document.
      expect(answer.errors?.length).toBeLessThanOrEqual(101);
      expect(answer.sql).toBe(0);
    });

    it("refuses a document with more tokens than the limit", async () => {
      const answer = await send(api, `{ categories { ${"name ".repeat(DEFAULT_QUERY_LIMITS.maxTokens)} } }`);
      expectTooComplex(answer, /^Query too large: more than 5000 tokens\.$/);
    });

    it("refuses a field repeated so often that validating it would be costly", async () => {
      expectTooComplex(
        await send(api, `{ ${"categories { name } ".repeat(1_200)} }`),
        /^Query too complex to validate/,
      );
    });

    it("refuses batched operations (a JSON array) with a plain 400", async () => {
      api.resetSqlCount();
      const response = await api.raw({
        body: JSON.stringify([{ query: "{ categories { name } }" }, { query: "{ categories { name } }" }]),
        headers: { "content-type": "application/json", authorization: `Bearer ${TEST_KEYS.read}` },
      });
      expect(response.status).toBe(400);
      expect(JSON.parse(response.text)).toEqual({
        errors: [{ message: "Operation batching disabled.", extensions: { code: "BAD_REQUEST" } }],
      });
      expect(api.sqlCount()).toBe(0);
    });

    it("refuses a very long string argument as bad input without touching the database", async () => {
      const answer = await send(api, "query($s: String) { customers(search: $s) { edges { cursor } } }", {
        s: "x".repeat(500_000),
      });
      expect(answer.status).toBe(200);
      expect(answer.errors).toEqual([
        expect.objectContaining({
          message: expect.stringMatching(/search must be shorter than or equal to 100 characters/),
          extensions: { code: "BAD_USER_INPUT" },
        }),
      ]);
      expect(answer.sql).toBe(0);
    });
  });
});

// Real data can hold more than the cost estimate assumes (15 lines per basket): the answer's size
// bounds what one request sends, whatever the data.
const LONG_NAME = 300;
const PRODUCTS = 60;

/** `count` customers with 100 purchases of `lines` lines each, every product named at full length. */
async function seedHistories(api: TestApi, prefix: string, count: number, lines: number) {
  const db = api.database.prisma;
  const skus = Array.from({ length: PRODUCTS }, (_, p) => `LONG-${p}`);
  await insertMissingProducts(
    db,
    skus.map((sku, p) => ({ sku, name: `${p} `.padEnd(LONG_NAME, "x"), category: "LONG" })),
  );
  const ids = await findProductIds(db, skus);
  const customers = Array.from({ length: count }, (_, c) => ({
    externalId: `${prefix}${c}`,
    name: `Customer ${prefix}${c}`,
  }));
  const purchases: PurchaseRecord[] = customers.flatMap((customer) =>
    Array.from({ length: 100 }, (_, p) => ({
      customerExternalId: customer.externalId,
      idempotencyKey: `${customer.externalId}:${p}`,
      purchasedAt: new Date(Date.UTC(2026, 0, 1) + p * 86_400_000),
      items: Array.from({ length: lines }, (_, i) => ({
        productId: ids.get(skus[(p + i) % PRODUCTS]!)!,
        quantity: 1,
        amount: 1,
      })),
    })),
  );
  await writePurchaseBatch(db, customers, purchases);
}

describeApi("response size", (api) => {
  beforeAll(async () => {
    // Customers 1–4: baskets as large as estimated; 5–8: larger than estimated.
    await seedHistories(api, "estimated-", WORST_ALLOWED_FIRST, 15);
    await seedHistories(api, "larger-", WORST_ALLOWED_FIRST, 40);
  });

  it("the heaviest query allowed, on data as large as estimated and the longest names, stays within the bound", async () => {
    const answer = await api.raw({
      body: JSON.stringify({ query: formerWorst(WORST_ALLOWED_FIRST) }),
      headers: { "content-type": "application/json", authorization: `Bearer ${TEST_KEYS.read}` },
    });
    expect(answer.status).toBe(200);
    const body = JSON.parse(answer.text) as {
      data: { customers: { edges: Array<{ node: { purchases: Array<{ items: unknown[] }> } }> } };
    };
    const items = body.data.customers.edges.flatMap((e) => e.node.purchases.flatMap((p) => p.items));
    expect(items).toHaveLength(WORST_ALLOWED_FIRST * 100 * 15);
    expect(Buffer.byteLength(answer.text)).toBeLessThanOrEqual(MAX_RESPONSE_BYTES);
  });

  it("refuses an answer over the bound when the data outgrow the estimate, with QUERY_TOO_COMPLEX", async () => {
    const after = Buffer.from(`v1:${WORST_ALLOWED_FIRST}`).toString("base64url");
    const query = formerWorst(WORST_ALLOWED_FIRST).replace("(first: 4)", `(first: 4, after: "${after}")`);
    const answer = await api.raw({
      body: JSON.stringify({ query }),
      headers: { "content-type": "application/json", authorization: `Bearer ${TEST_KEYS.read}` },
    });
    expect(answer.status).toBe(400);
    expect(answer.text.length).toBeLessThan(1_000);
    expect(JSON.parse(answer.text)).toEqual({
      errors: [
        {
          message: expect.stringMatching(
            new RegExp(
              `^Response too large: \\d+ bytes, over the limit of ${MAX_RESPONSE_BYTES}: ask for smaller pages`,
            ),
          ),
          extensions: { code: "QUERY_TOO_COMPLEX" },
        },
      ],
    });
  });
});
