// Client mistakes are never INTERNAL_SERVER_ERROR (issue 15, item 6), over HTTP on both databases:
// persisted-query mistakes keep Apollo's codes, absurdly nested variables and NUL characters are
// BAD_USER_INPUT, a subscription is a clear BAD_REQUEST. Nothing is written, nothing leaks.
import { createHash } from "node:crypto";
import { print } from "graphql";
import {
  CustomerByExternalIdDocument,
  CustomersDocument,
  RecordPurchaseDocument,
  UpsertCustomerDocument,
  UpsertProductDocument,
} from "../../src/client/generated/graphql";
import { describeApi, type GraphQLResponse, TEST_KEYS, type TestApi } from "../support/api";
import { expectRefused, snapshot } from "../support/refusals";

async function post(api: TestApi, body: unknown): Promise<GraphQLResponse<unknown>> {
  const response = await api.raw({
    body: typeof body === "string" ? body : JSON.stringify(body),
    headers: { "content-type": "application/json", authorization: `Bearer ${TEST_KEYS.admin}` },
  });
  return { ...(JSON.parse(response.text) as GraphQLResponse<unknown>), status: response.status };
}

const QUERY = "{ customers(first: 1) { edges { node { id } } } }";
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

describeApi("client mistakes", (api) => {
  let customerId = "";
  let before = "";
  beforeAll(async () => {
    const db = api.database.prisma;
    customerId = String((await db.customer.create({ data: { externalId: "HH-1", name: "Ana" } })).id);
    await db.product.create({ data: { sku: "MILK-1", name: "Milk", category: "DAIRY" } });
    before = await snapshot(api);
  });
  afterEach(async () => {
    expect(await snapshot(api)).toBe(before);
  });

  describe("persisted queries keep Apollo's codes", () => {
    it("an unknown hash → PERSISTED_QUERY_NOT_FOUND", async () => {
      const response = await post(api, {
        extensions: { persistedQuery: { version: 1, sha256Hash: sha256("never sent") } },
      });
      expect(response.errors).toEqual([
        expect.objectContaining({
          extensions: expect.objectContaining({ code: "PERSISTED_QUERY_NOT_FOUND" }),
        }),
      ]);
    });

    it("a hash that does not match the query sent with it → BAD_REQUEST", async () => {
      expectRefused(
        await post(api, {
          query: QUERY,
          extensions: { persistedQuery: { version: 1, sha256Hash: sha256("something else") } },
        }),
        "BAD_REQUEST",
        /provided sha does not match query/,
        400,
      );
    });

    it("version 2 → PERSISTED_QUERY_NOT_SUPPORTED", async () => {
      expectRefused(
        await post(api, {
          query: QUERY,
          extensions: { persistedQuery: { version: 2, sha256Hash: sha256(QUERY) } },
        }),
        "PERSISTED_QUERY_NOT_SUPPORTED",
        /Unsupported persisted query version/,
        400,
      );
    });

    it("a registered query is served by its hash", async () => {
      const hash = sha256(QUERY);
      const registered = await post(api, {
        query: QUERY,
        extensions: { persistedQuery: { version: 1, sha256Hash: hash } },
      });
      expect(registered.errors).toBeUndefined();
      const byHash = await post(api, { extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });
      expect(byHash).toEqual(registered);
    });
  });

  describe("variables nested absurdly deep → BAD_USER_INPUT", () => {
    const list = `${"[".repeat(10_000)}1${"]".repeat(10_000)}`;
    const object = `${'{"a":'.repeat(10_000)}1${"}".repeat(10_000)}`;
    const customers = JSON.stringify(print(CustomersDocument));

    it.each([
      ["a list", `{"query":${customers},"variables":{"first":1,"search":${list}}}`],
      ["an object", `{"query":${customers},"variables":{"first":1,"search":${object}}}`],
      [
        "a variable the operation does not declare",
        `{"query":${JSON.stringify(QUERY)},"variables":{"extra":${list}}}`,
      ],
    ])("%s 10,000 deep", async (_, body) => {
      expectRefused(
        await post(api, body),
        "BAD_USER_INPUT",
        /variables: expected at most 32 levels of nesting/,
        400,
      );
    });

    it("a purchase's ordinary nesting passes the check (and is refused for what it is)", async () => {
      const response = await post(api, {
        query: print(RecordPurchaseDocument),
        variables: { input: { customerId: "999999", items: [{ sku: "MILK-1", quantity: 1 }] } },
      });
      expect(response.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    });
  });

  describe("NUL characters in strings → BAD_USER_INPUT, on both databases", () => {
    it.each<[string, string, unknown]>([
      [
        "upsertCustomer's name",
        print(UpsertCustomerDocument),
        { input: { externalId: "HH-2", name: "An\u0000a" } },
      ],
      [
        "upsertProduct's category",
        print(UpsertProductDocument),
        { input: { sku: "EGG-1", name: "Eggs", category: "EGGS\u0000" } },
      ],
      ["customers' search", print(CustomersDocument), { first: 5, search: "\u0000" }],
      ["customerByExternalId", print(CustomerByExternalIdDocument), { externalId: "HH-1\u0000" }],
    ])("in a variable: %s", async (_, query, variables) => {
      expectRefused(await post(api, { query, variables }), "BAD_USER_INPUT", /NUL character/, 400);
    });

    it("in a purchase line's sku", async () => {
      const response = await post(api, {
        query: print(RecordPurchaseDocument),
        variables: { input: { customerId, items: [{ sku: "MILK-1\u0000", quantity: 1 }] } },
      });
      expectRefused(response, "BAD_USER_INPUT", /\$input\.items\[0\]\.sku: .*NUL character/, 400);
    });

    it("in a string written into the query itself", async () => {
      const query = '{ customers(first: 5, search: "a\\u0000b") { edges { node { id } } } }';
      expectRefused(await post(api, { query }), "BAD_USER_INPUT", /NUL character/, 400);
    });
  });

  describe("operations this API does not serve", () => {
    it("a subscription → BAD_REQUEST naming what is served", async () => {
      expectRefused(
        await post(api, { query: "subscription { customers { id } }" }),
        "BAD_REQUEST",
        /subscriptions are not supported: send a query or a mutation/,
        400,
      );
    });
  });
});
