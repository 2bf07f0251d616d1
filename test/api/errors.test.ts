// Unexpected errors (bugs, a broken database): the client sees "Internal server error" with code
// INTERNAL_SERVER_ERROR in production and the real message elsewhere, never a stack trace; the
// server logs the error once, with the request id. The error is provoked by renaming a table of the
// test's own database under the running server, so the resolver's query fails inside Prisma.
import { Writable } from "node:stream";
import { KeyRing } from "../../src/auth/api-keys";
import type { DatabaseProvider } from "../../src/config";
import { type Database, openDatabase } from "../../src/db/client";
import { createLogger } from "../../src/logger";
import { type ApiServer, createServer } from "../../src/server";
import { TEST_KEYS } from "../support/api";
import { createDatabase, PROVIDERS } from "../support/databases";

interface LogLine {
  msg: string;
  level: number;
  req?: { id?: string };
  err?: { message?: string; stack?: string };
  errors?: string[];
}

interface Answer {
  status: number;
  text: string;
  body: { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
}

async function startServer(database: Database, nodeEnv: "production" | "development", sink: string[]) {
  const stream = new Writable({
    write(chunk, _encoding, done) {
      sink.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  const server = await createServer({
    config: { nodeEnv, port: 0, host: "127.0.0.1", graphqlIntrospection: nodeEnv !== "production" },
    database,
    log: createLogger({ logLevel: "info" }, stream as unknown as Parameters<typeof createLogger>[1]),
    keys: new KeyRing({ read: [TEST_KEYS.read], ingest: [], admin: [] }, { anonymousReads: false }),
  });
  const { port } = await server.listen();
  return { server, url: `http://127.0.0.1:${port}/graphql` };
}

async function ask(url: string, requestId: string): Promise<Answer> {
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${TEST_KEYS.read}`,
      "x-request-id": requestId,
    },
    body: JSON.stringify({ query: "query ListCategories { categories { name productCount } }" }),
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) };
}

describe.each(PROVIDERS)("unexpected errors [%s]", (provider: DatabaseProvider) => {
  const skip = provider === "postgresql" && process.env.CAI_TEST_POSTGRES_SKIP;
  const logs = { production: [] as string[], development: [] as string[] };
  const answers: Partial<Record<"production" | "development" | "healthy", Answer>> = {};
  let lines: { production: LogLine[]; development: LogLine[] };

  beforeAll(async () => {
    if (skip) return;
    const created = await createDatabase(provider);
    const database = openDatabase(created.url, { poolSize: 2 });
    const servers: ApiServer[] = [];
    try {
      const production = await startServer(database, "production", logs.production);
      const development = await startServer(database, "development", logs.development);
      servers.push(production.server, development.server);
      answers.healthy = await ask(production.url, "before-1");
      await database.prisma.$executeRawUnsafe('ALTER TABLE "Product" RENAME TO "Product_gone"');
      answers.production = await ask(production.url, "prod-1");
      answers.development = await ask(development.url, "dev-1");
    } finally {
      for (const server of servers) await server.stop();
      await database.close();
      await created.drop();
    }
    lines = {
      production: logs.production.map((line) => JSON.parse(line) as LogLine),
      development: logs.development.map((line) => JSON.parse(line) as LogLine),
    };
  });

  const test = skip ? it.skip : it;

  test("answers normally while the table is there", () => {
    expect(answers.healthy?.body).toEqual({ data: { categories: [] } });
  });

  test('production: "Internal server error", INTERNAL_SERVER_ERROR, nothing about the cause', () => {
    const answer = answers.production!;
    expect(answer.status).toBeLessThan(500);
    expect(answer.body.errors).toEqual([
      {
        message: "Internal server error",
        locations: [{ line: 1, column: 24 }],
        path: ["categories"],
        extensions: { code: "INTERNAL_SERVER_ERROR" },
      },
    ]);
    expect(answer.text).not.toMatch(/Product|prisma|SQL|relation|table/i);
  });

  test("development: the real message, but no stack trace", () => {
    const answer = answers.development!;
    const [error] = answer.body.errors ?? [];
    expect(error?.extensions).toEqual({ code: "INTERNAL_SERVER_ERROR" });
    expect(error?.message).not.toBe("Internal server error");
    expect(error?.message).toMatch(/^Invalid `.+` invocation:\s+The table `\w+\.Product` does not exist/);
    expect(answer.text).not.toMatch(/stacktrace|\n\s+at |\.ts:\d+|node_modules/);
  });

  test("logs the error once, with the request id and its stack, beside the request's own line", () => {
    for (const [mode, requestId] of [
      ["production", "prod-1"],
      ["development", "dev-1"],
    ] as const) {
      const own = lines[mode].filter((line) => line.req?.id === requestId);
      const unexpected = own.filter((line) => line.msg === "unexpected error");
      expect({ mode, unexpected: unexpected.length }).toEqual({ mode, unexpected: 1 });
      expect(unexpected[0]?.level).toBe(50);
      expect(unexpected[0]?.err?.message).toMatch(/Product/);
      expect(unexpected[0]?.err?.stack).toMatch(/\n\s+at /);
      expect(own.filter((line) => line.msg === "graphql")).toEqual([
        expect.objectContaining({ errors: ["INTERNAL_SERVER_ERROR"] }),
      ]);
    }
    // The healthy request logged no error.
    expect(lines.production.filter((line) => line.req?.id === "before-1").map((line) => line.msg)).toEqual([
      "graphql",
    ]);
  });
});
