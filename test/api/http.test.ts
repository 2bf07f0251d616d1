// The HTTP surface around GraphQL: body limits and unreadable bodies as JSON errors, CSRF
// prevention, health and readiness, request ids, and what production hides (introspection, field
// suggestions, the playground; test/web/web-apps.test.ts covers the browser apps).
import pino from "pino";
import { KeyRing } from "../../src/auth/api-keys";
import { CategoriesDocument } from "../../src/client/generated/graphql";
import { openDatabase } from "../../src/db/client";
import { createServer } from "../../src/server";
import { describeApi, TEST_KEYS, type TestApi } from "../support/api";
import { createDatabase, PROVIDERS } from "../support/databases";

const json = { "content-type": "application/json" };
const asReader = { ...json, authorization: `Bearer ${TEST_KEYS.read}` };
const asAdmin = { ...json, authorization: `Bearer ${TEST_KEYS.admin}` };

function errorsOf(text: string): Array<{ message: string; extensions?: { code?: string } }> {
  return (JSON.parse(text) as { errors: Array<{ message: string; extensions?: { code?: string } }> }).errors;
}

async function productCount(api: TestApi): Promise<number> {
  return api.database.prisma.product.count();
}

const upsertMilk = JSON.stringify({
  query: 'mutation { upsertProduct(input: { sku: "CSRF-1", name: "Milk", category: "DAIRY" }) { id } }',
});

describeApi(
  "HTTP outside production",
  (api) => {
    describe("request bodies", () => {
      it("refuses a body over 1 MB with 413 PAYLOAD_TOO_LARGE as JSON, writing nothing", async () => {
        const body = JSON.stringify({
          query:
            'mutation($name: String!) { upsertProduct(input: { sku: "BIG-1", name: $name, category: "X" }) { id } }',
          variables: { name: "m".repeat(1_100_000) },
        });
        const response = await api.raw({ body, headers: asAdmin });
        expect(response.status).toBe(413);
        expect(response.headers.get("content-type")).toMatch(/^application\/json/);
        expect(errorsOf(response.text)).toEqual([
          { message: "Request body is larger than 1 MB", extensions: { code: "PAYLOAD_TOO_LARGE" } },
        ]);
        expect(await productCount(api)).toBe(0);
      });

      it.each([
        ["cut-off JSON", '{"query": "{ categories { name } }"'],
        ["JSON that is not an object", '"{ categories { name } }"'],
        ["a bare null", "null"],
      ])("answers %s with 400 BAD_REQUEST as JSON", async (_, body) => {
        const response = await api.raw({ body, headers: asReader });
        expect(response.status).toBe(400);
        expect(response.headers.get("content-type")).toMatch(/^application\/json/);
        expect(errorsOf(response.text)).toEqual([
          { message: "Request body is not valid JSON", extensions: { code: "BAD_REQUEST" } },
        ]);
      });

      it("answers a well-formed body that is not a GraphQL request with 400", async () => {
        const response = await api.raw({ body: JSON.stringify({ query: 42 }), headers: asReader });
        expect(response.status).toBe(400);
        expect(errorsOf(response.text)[0]?.extensions?.code).toBe("BAD_REQUEST");
      });
    });

    describe("CSRF prevention", () => {
      it("does not run a query sent as a plain GET", async () => {
        api.resetSqlCount();
        const response = await api.raw({
          method: "GET",
          path: `/graphql?query=${encodeURIComponent("{ categories { name } }")}`,
        });
        expect(response.status).toBe(400);
        expect(errorsOf(response.text)[0]).toMatchObject({
          message: expect.stringContaining("Cross-Site Request Forgery"),
          extensions: { code: "BAD_REQUEST" },
        });
        expect(api.sqlCount()).toBe(0);
      });

      it.each(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"])(
        "does not run a mutation posted as %s, even with a valid key",
        async (contentType) => {
          const response = await api.raw({
            body: upsertMilk,
            headers: { "content-type": contentType, authorization: `Bearer ${TEST_KEYS.admin}` },
          });
          expect(response.status).toBe(400);
          expect(errorsOf(response.text)[0]?.message).toMatch(/Cross-Site Request Forgery/);
          expect(await productCount(api)).toBe(0);
        },
      );

      it("runs a GET query that carries a preflight header (browsers cannot send it cross-site)", async () => {
        const response = await api.raw({
          method: "GET",
          path: `/graphql?query=${encodeURIComponent("{ categories { name } }")}`,
          headers: { "apollo-require-preflight": "true" },
        });
        expect(response.status).toBe(200);
        expect(JSON.parse(response.text)).toEqual({ data: { categories: [] } });
      });
    });

    describe("health", () => {
      it("GET /healthz and /readyz answer 200 while the database is there", async () => {
        const health = await api.raw({ method: "GET", path: "/healthz" });
        expect(health.status).toBe(200);
        expect(JSON.parse(health.text)).toEqual({ status: "ok" });
        const ready = await api.raw({ method: "GET", path: "/readyz" });
        expect(ready.status).toBe(200);
        expect(JSON.parse(ready.text)).toEqual({ status: "ready" });
      });
    });

    describe("request ids", () => {
      it("returns a fresh x-request-id on every response", async () => {
        const ids = [
          (await api.raw({ method: "GET", path: "/healthz" })).headers.get("x-request-id"),
          (await api.raw({ method: "GET", path: "/healthz" })).headers.get("x-request-id"),
          (
            await api.raw({ body: JSON.stringify({ query: "{ categories { name } }" }), headers: asReader })
          ).headers.get("x-request-id"),
        ];
        for (const id of ids)
          expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        expect(new Set(ids).size).toBe(3);
      });

      it("echoes a sane incoming x-request-id, also on GraphQL and error responses", async () => {
        const health = await api.raw({
          method: "GET",
          path: "/healthz",
          headers: { "x-request-id": "edge-42.a_b" },
        });
        expect(health.headers.get("x-request-id")).toBe("edge-42.a_b");
        const graphql = await api.raw({
          body: JSON.stringify({ query: "{ categories { name } }" }),
          headers: { ...asReader, "x-request-id": "trace-1" },
        });
        expect(graphql.headers.get("x-request-id")).toBe("trace-1");
        const malformed = await api.raw({ body: "{", headers: { ...json, "x-request-id": "trace-2" } });
        expect(malformed.status).toBe(400);
        expect(malformed.headers.get("x-request-id")).toBe("trace-2");
      });

      it.each([
        ["too long", "x".repeat(65)],
        ["with spaces and quotes", 'a b"c'],
        ["with a log-line forgery", "a\\n{}"],
      ])("replaces an incoming x-request-id that is %s", async (_, incoming) => {
        const response = await api.raw({
          method: "GET",
          path: "/healthz",
          headers: { "x-request-id": incoming },
        });
        expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
      });
    });

    describe("schema exposure", () => {
      it("allows introspection", async () => {
        const response = await api.raw({
          body: JSON.stringify({ query: '{ __type(name: "Customer") { fields { name } } }' }),
          headers: asReader,
        });
        expect(response.status).toBe(200);
        expect(JSON.stringify(JSON.parse(response.text).data)).toContain('"externalId"');
      });

      it('suggests field names ("Did you mean")', async () => {
        const response = await api.raw({
          body: JSON.stringify({ query: "{ categorie { name } }" }),
          headers: asReader,
        });
        expect(response.status).toBe(400);
        expect(errorsOf(response.text)[0]?.message).toBe(
          'Cannot query field "categorie" on type "Query". Did you mean "categories"?',
        );
      });
    });
  },
  { nodeEnv: "development" },
);

describeApi(
  "HTTP in production",
  (api) => {
    it("refuses introspection", async () => {
      const response = await api.raw({
        body: JSON.stringify({ query: '{ __type(name: "Customer") { fields { name } } }' }),
        headers: asReader,
      });
      expect(response.status).toBe(400);
      expect(response.text).not.toContain("externalId");
      expect(errorsOf(response.text)[0]?.message).toMatch(/introspection is not allowed/);
    });

    it('hides field suggestions ("Did you mean") in validation errors', async () => {
      const response = await api.raw({
        body: JSON.stringify({ query: "{ categorie { name } }" }),
        headers: asReader,
      });
      expect(response.status).toBe(400);
      expect(errorsOf(response.text)).toEqual([
        expect.objectContaining({
          message: 'Cannot query field "categorie" on type "Query".',
          extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
        }),
      ]);
    });

    it("hides suggestions in errors about variables too", async () => {
      const response = await api.raw({
        body: JSON.stringify({
          query: "mutation($input: UpsertCustomerInput!) { upsertCustomer(input: $input) { id } }",
          variables: { input: { externalId: "c-1", nam: "Ana" } },
        }),
        headers: asAdmin,
      });
      expect(response.status).toBe(400);
      const errors = errorsOf(response.text);
      expect(errors.map((e) => e.extensions?.code)).toContain("BAD_USER_INPUT");
      expect(errors.map((e) => e.message).join("\n")).toMatch(/Field "nam" is not defined/);
      expect(response.text).not.toMatch(/Did you mean/);
    });

    it("serves no landing page", async () => {
      const response = await api.raw({ method: "GET", path: "/graphql", headers: { accept: "text/html" } });
      expect(response.status).toBe(400);
      expect(response.headers.get("content-type")).toMatch(/^application\/json/);
      expect(response.text).not.toMatch(/sandbox/i);
    });

    it("still runs ordinary queries with a key", async () => {
      const response = await api.request(CategoriesDocument, undefined, { as: "read" });
      expect(response).toMatchObject({ status: 200, data: { categories: [] } });
    });
  },
  { nodeEnv: "production" },
);

describeApi(
  "HTTP in production with GRAPHQL_INTROSPECTION=true",
  (api) => {
    it("allows introspection and suggestions", async () => {
      const introspection = await api.raw({
        body: JSON.stringify({ query: '{ __type(name: "Customer") { fields { name } } }' }),
        headers: asReader,
      });
      expect(introspection.status).toBe(200);
      expect(introspection.text).toContain('"externalId"');
      const typo = await api.raw({
        body: JSON.stringify({ query: "{ categorie { name } }" }),
        headers: asReader,
      });
      expect(errorsOf(typo.text)[0]?.message).toMatch(/Did you mean "categories"\?$/);
    });
  },
  { nodeEnv: "production", introspection: true },
);

describe.each(PROVIDERS)("GET /readyz when the database goes away [%s]", (provider) => {
  const skip = provider === "postgresql" && process.env.CAI_TEST_POSTGRES_SKIP;
  (skip ? it.skip : it)("answers 503 while /healthz still answers 200", async () => {
    const created = await createDatabase(provider);
    const database = openDatabase(created.url, { poolSize: 2 });
    const server = await createServer({
      config: { nodeEnv: "test", port: 0, host: "127.0.0.1", graphqlIntrospection: false },
      database,
      log: pino({ level: "silent" }),
      keys: new KeyRing({ read: [], ingest: [], admin: [] }, { anonymousReads: true }),
    });
    try {
      const { port } = await server.listen();
      const get = (path: string) => fetch(`http://127.0.0.1:${port}${path}`);
      expect((await get("/readyz")).status).toBe(200);
      // SQLite: close the connection and delete the file's folder, so it cannot be reopened.
      // PostgreSQL: drop the database, which also ends the open connections.
      await database.close();
      await created.drop();
      const ready = await get("/readyz");
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: "unavailable", reason: "database unreachable" });
      expect((await get("/healthz")).status).toBe(200);
    } finally {
      await server.stop();
      await database.close();
      await created.drop();
    }
  });
});
