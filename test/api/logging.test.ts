// What the server writes to its log, captured from the application's own logger (createLogger, as
// `npm start` uses it) writing to a stream this test owns: one line per GraphQL request with its
// request id and operation name, whatever the outcome, and never an API key, an Authorization
// header or a customer's e-mail address.
import { Writable } from "node:stream";
import { KeyRing } from "../../src/auth/api-keys";
import { openDatabase } from "../../src/db/client";
import { createLogger } from "../../src/logger";
import { createServer } from "../../src/server";
import { TEST_KEYS } from "../support/api";
import { createDatabase } from "../support/databases";

const EMAIL = "ana.lopez@example.com";
const SECOND_EMAIL = "bo.berg@example.org";

interface LogLine {
  msg: string;
  level: number;
  req?: { id?: string; method?: string; url?: string };
  operation?: string | null;
  errors?: string[];
}

interface Sent {
  id: string;
  operation: string | null;
  status: number;
}

describe("request logging", () => {
  const raw: string[] = [];
  const sent: Sent[] = [];
  let lines: LogLine[];

  beforeAll(async () => {
    const stream = new Writable({
      write(chunk, _encoding, done) {
        raw.push(...String(chunk).split("\n").filter(Boolean));
        done();
      },
    });
    const created = await createDatabase("sqlite");
    const database = openDatabase(created.url);
    const server = await createServer({
      config: { nodeEnv: "production", port: 0, host: "127.0.0.1", graphqlIntrospection: false },
      database,
      log: createLogger({ logLevel: "info" }, stream as unknown as Parameters<typeof createLogger>[1]),
      keys: new KeyRing(
        { read: [TEST_KEYS.read], ingest: [TEST_KEYS.ingest], admin: [TEST_KEYS.admin] },
        { anonymousReads: false },
      ),
    });
    const { port } = await server.listen();

    /** Sends one request with its own request id and remembers what the log should say about it. */
    async function send(
      operation: string | null,
      init: { method?: string; path?: string; body?: string; headers?: Record<string, string> },
    ) {
      const id = `log-test-${sent.length + 1}`;
      const response = await fetch(`http://127.0.0.1:${port}${init.path ?? "/graphql"}`, {
        method: init.method ?? "POST",
        body: init.body,
        headers: { "content-type": "application/json", "x-request-id": id, ...init.headers },
      });
      await response.text();
      sent.push({ id, operation, status: response.status });
    }
    const admin = { authorization: `Bearer ${TEST_KEYS.admin}` };
    const reader = { authorization: `Bearer ${TEST_KEYS.read}` };
    const saveCustomer =
      "mutation SaveCustomer($input: UpsertCustomerInput!) { upsertCustomer(input: $input) { id email } }";

    try {
      // Succeeds, with e-mail addresses in the variables and the answer.
      await send("SaveCustomer", {
        body: JSON.stringify({
          query: saveCustomer,
          variables: { input: { externalId: "c-1", name: "Ana", email: EMAIL } },
        }),
        headers: admin,
      });
      // BAD_USER_INPUT: the e-mail is taken.
      await send("SaveCustomer", {
        body: JSON.stringify({
          query: saveCustomer,
          variables: { input: { externalId: "c-2", name: "Bo", email: EMAIL } },
        }),
        headers: admin,
      });
      // BAD_USER_INPUT from variable coercion, whose message repeats the value sent.
      await send("SaveCustomer", {
        body: JSON.stringify({
          query: saveCustomer,
          variables: { input: { externalId: 7, email: SECOND_EMAIL } },
        }),
        headers: admin,
      });
      // Searching by e-mail, in POST variables and in a GET query string.
      await send("FindCustomer", {
        body: JSON.stringify({
          query: "query FindCustomer($s: String) { customers(search: $s) { edges { node { email } } } }",
          variables: { s: EMAIL },
        }),
        headers: reader,
      });
      await send("FindByUrl", {
        method: "GET",
        path: `/graphql?query=${encodeURIComponent(`query FindByUrl { customers(search: "${EMAIL}") { edges { cursor } } }`)}`,
        headers: { ...reader, "apollo-require-preflight": "true" },
      });
      // Refused before execution: a wrong key that starts with a real one, no key, a syntax error.
      await send("Categories", {
        body: JSON.stringify({ query: "query Categories { categories { name } }" }),
        headers: { authorization: `Bearer ${TEST_KEYS.admin}x` },
      });
      await send("Categories", {
        body: JSON.stringify({ query: "query Categories { categories { name } }" }),
      });
      await send(null, { body: JSON.stringify({ query: "{ categories { name }" }), headers: reader });
      // Refused before Apollo's pipeline: unreadable JSON, batching, CSRF (text/plain) with an e-mail.
      await send(null, { body: `{"query": "{ customers(search: \\"${EMAIL}\\")`, headers: admin });
      await send(null, { body: JSON.stringify([{ query: "{ categories { name } }" }]), headers: reader });
      // The body is not read at all: no operation name to log.
      await send(null, {
        body: JSON.stringify({
          operationName: "Save",
          query: saveCustomer.replace("SaveCustomer", "Save"),
          variables: { email: EMAIL },
        }),
        headers: { ...admin, "content-type": "text/plain" },
      });
    } finally {
      // Stopping waits for every response to finish, so every line is written.
      await server.stop();
      await database.close();
      await created.drop();
    }
    lines = raw.map((line) => JSON.parse(line) as LogLine);
  });

  it("sent what the scenario expects (so the log checks below mean something)", () => {
    expect(sent.map((s) => s.status)).toEqual([200, 200, 400, 200, 200, 401, 401, 400, 400, 400, 400]);
  });

  it("writes exactly one line per GraphQL request, with its request id and operation name", () => {
    for (const { id, operation } of sent) {
      const own = lines.filter((line) => line.req?.id === id);
      expect({ id, lines: own.length }).toEqual({ id, lines: 1 });
      expect(own[0]).toMatchObject({ msg: "graphql", operation });
    }
  });

  it("records error codes of answered requests", () => {
    const byId = (id: string) => lines.find((line) => line.req?.id === id);
    expect(byId(sent[0]!.id)?.errors).toBeUndefined();
    expect(byId(sent[1]!.id)?.errors).toEqual(["BAD_USER_INPUT"]);
  });

  it("never contains an API key, an Authorization header or a customer's e-mail", () => {
    const text = raw.join("\n");
    expect(text.length).toBeGreaterThan(0);
    for (const key of Object.values(TEST_KEYS)) expect(text).not.toContain(key);
    expect(text).not.toMatch(/bearer/i);
    for (const email of [EMAIL, SECOND_EMAIL, encodeURIComponent(EMAIL)]) expect(text).not.toContain(email);
    expect(text).not.toMatch(/@example\.(com|org)|%40example/);
  });

  it("logs the path of a GET request without its query string", () => {
    const get = lines.find((line) => line.req?.method === "GET");
    expect(get?.req?.url).toBe("/graphql");
  });
});
