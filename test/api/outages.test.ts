// A database that is down, hung or locked: every GraphQL request still gets an answer, HTTP 503 with
// SERVICE_UNAVAILABLE (never a 200 with INTERNAL_SERVER_ERROR, never no answer), and the server
// serves again by itself once the database is back. PostgreSQL sits behind a TCP proxy that can
// refuse connections or accept them and forward nothing; SQLite is locked by another connection.
import BetterSqlite3 from "better-sqlite3";
import { print } from "graphql";
import { CustomerPredictionsDocument, UpsertCustomerDocument } from "../../src/client/generated/graphql";
import { DEFAULT_DATABASE_TIMEOUTS, sqlitePath } from "../../src/config";
import { DATABASE_UNAVAILABLE_MESSAGE } from "../../src/graphql/errors";
import { type ApiOptions, startApi, TEST_KEYS, type TestApi } from "../support/api";
import { createDatabase } from "../support/databases";
import { startTcpProxy } from "../support/tcp-proxy";

type Proxy = Awaited<ReturnType<typeof startTcpProxy>>;

interface Answer {
  status: number;
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

/** Longer than any deadline these tests set: a request still unanswered by then has no deadline. */
const NO_ANSWER_MS = 15_000;

const readCustomer = print(CustomerPredictionsDocument);
const upsertCustomer = print(UpsertCustomerDocument);

async function ask(api: TestApi, query: string, variables: Record<string, unknown>, as: "read" | "admin") {
  const response = await fetch(api.url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${TEST_KEYS[as]}` },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(NO_ANSWER_MS),
  });
  return { ...((await response.json()) as Answer), status: response.status };
}

const read = (api: TestApi) => ask(api, readCustomer, { id: "1" }, "read");
const write = (api: TestApi, name: string) =>
  ask(api, upsertCustomer, { input: { externalId: "c-1", name } }, "admin");

function expectUnavailable(answer: Answer, message: string | RegExp) {
  expect(answer.status).toBe(503);
  expect(answer.errors?.length).toBeGreaterThan(0);
  for (const error of answer.errors ?? []) {
    expect(error.extensions?.code).toBe("SERVICE_UNAVAILABLE");
    expect(error.message).toMatch(message);
  }
}

async function expectServing(api: TestApi, name: string) {
  const written = await write(api, name);
  expect(written).toMatchObject({ status: 200, data: { upsertCustomer: { id: "1" } } });
  expect(written.errors).toBeUndefined();
  const answer = await read(api);
  expect(answer).toMatchObject({ status: 200, data: { customer: { id: "1", name } } });
  expect(answer.errors).toBeUndefined();
}

const DEADLINE = /^No answer within 1500 ms \(REQUEST_TIMEOUT_MS\)/;

const describePostgres = process.env.CAI_TEST_POSTGRES_SKIP ? describe.skip : describe;

describePostgres("PostgreSQL down or hung [postgresql]", () => {
  let proxy: Proxy;
  let database: { url: string; drop(): Promise<void> };
  const servers: Array<{ stop(): Promise<void> }> = [];

  /** A server on the test database, through the proxy. */
  async function serve(options: ApiOptions): Promise<TestApi> {
    const url = new URL(database.url);
    url.host = `127.0.0.1:${proxy.port}`;
    const started = await startApi("postgresql", {
      ...options,
      database: { url: url.toString(), drop: async () => {} },
    });
    servers.push(started);
    return started.api;
  }

  beforeAll(async () => {
    database = await createDatabase("postgresql");
    proxy = await startTcpProxy("127.0.0.1", Number(new URL(database.url).port || 5432));
  });
  afterEach(() => proxy.restore());
  afterAll(async () => {
    for (const server of servers) await server.stop();
    await proxy.close();
    await database.drop();
  });

  describe("with the default database deadlines, longer than the request's", () => {
    let api: TestApi;
    beforeAll(async () => {
      api = await serve({ requestTimeoutMs: 1_500 });
      await expectServing(api, "Ana");
    });

    it("refusing connections: reads and writes answer 503 SERVICE_UNAVAILABLE, then 200 once it is back", async () => {
      await proxy.refuse();
      expectUnavailable(await read(api), DATABASE_UNAVAILABLE_MESSAGE);
      expectUnavailable(await write(api, "Bea"), DATABASE_UNAVAILABLE_MESSAGE);
      expect((await api.raw({ path: "/readyz", method: "GET" })).status).toBe(503);
      await proxy.restore();
      await expectServing(api, "Bea");
      expect((await api.raw({ path: "/readyz", method: "GET" })).status).toBe(200);
    });

    it("hung (connections accepted, nothing forwarded): the request deadline answers 503, then 200 once it is back", async () => {
      proxy.hang();
      const [reading, writing] = await Promise.all([read(api), write(api, "Cid")]);
      expectUnavailable(reading, DEADLINE);
      expectUnavailable(writing, DEADLINE);
      await proxy.restore();
      await expectServing(api, "Cid");
    });
  });

  describe("with database deadlines shorter than the request's", () => {
    let api: TestApi;
    beforeAll(async () => {
      api = await serve({
        requestTimeoutMs: 60_000,
        databaseTimeouts: { ...DEFAULT_DATABASE_TIMEOUTS, connectMs: 500, statementMs: 1_000 },
      });
      await expectServing(api, "Dan");
    });

    it("hung: every database call gives up at its deadline, and the request answers 503; then 200 once it is back", async () => {
      proxy.hang();
      // The pool's open connections time out on their statement, new ones on connecting.
      for (let round = 0; round < 2; round++) {
        expectUnavailable(await read(api), DATABASE_UNAVAILABLE_MESSAGE);
        expectUnavailable(await write(api, "Eve"), DATABASE_UNAVAILABLE_MESSAGE);
      }
      await proxy.restore();
      await expectServing(api, "Eve");
    });
  });
});

describe("SQLite locked by another connection [sqlite]", () => {
  let database: { url: string; drop(): Promise<void> };
  let other: BetterSqlite3.Database;
  const servers: Array<{ stop(): Promise<void> }> = [];

  async function serve(options: ApiOptions): Promise<TestApi> {
    const started = await startApi("sqlite", {
      ...options,
      database: { url: database.url, drop: async () => {} },
    });
    servers.push(started);
    await expectServing(started.api, "Ana");
    return started.api;
  }

  beforeAll(async () => {
    database = await createDatabase("sqlite");
    other = new BetterSqlite3(sqlitePath(database.url));
  });
  afterEach(() => {
    if (other.inTransaction) other.exec("ROLLBACK");
  });
  afterAll(async () => {
    for (const server of servers) await server.stop();
    other.close();
    await database.drop();
  });

  it("a write waits for the lock at most the busy timeout, answers 503, and succeeds once the lock is gone", async () => {
    // SQLite waits synchronously (the whole process waits): the busy timeout, not the request's
    // deadline, bounds it.
    const api = await serve({ databaseTimeouts: { ...DEFAULT_DATABASE_TIMEOUTS, sqliteBusyMs: 500 } });
    other.exec("BEGIN EXCLUSIVE");
    expectUnavailable(await write(api, "Bea"), DATABASE_UNAVAILABLE_MESSAGE);
    // Readers are not blocked by a writer (WAL).
    expect(await read(api)).toMatchObject({ status: 200, data: { customer: { name: "Ana" } } });
    other.exec("ROLLBACK");
    await expectServing(api, "Bea");
  });
});
