// `npm start` as its own process: it migrates a fresh SQLite file, listens on the port the OS picks
// (PORT=0) and says where in its JSON log, serves /healthz, and on SIGTERM lets a request that is
// still arriving finish before it exits 0. A bad environment stops it with one line.
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { seedDatabase } from "../../src/datagen/seed";
import { openDatabase } from "../../src/db/client";
import { migrateDatabase } from "../../src/db/migrate";
import { PROVIDERS } from "../support/databases";
import { createPostgresDatabase } from "../support/postgres";
import { runCli } from "../support/run-cli";
import { type Service, startService } from "../support/services";

const READ_KEY = "start-test-read-key-0123456789";

/** `npm start` from the sources, as run-cli runs commands, kept running. */
function startProcess(env: NodeJS.ProcessEnv): Service {
  return startService("start", env, { from: "source" });
}

/** The line the server logs once it listens. */
const listening = (server: Service) => server.waitForLog((line) => line.msg === "listening", "listening");

/** Production on a port the OS picks, logging at info, with a READ key. */
function productionEnv(databaseUrl: string): NodeJS.ProcessEnv {
  return {
    NODE_ENV: "production",
    DATABASE_URL: databaseUrl,
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: "info",
    READ_API_KEYS: READ_KEY,
  };
}

/** Starts the server on the database, checks it, sends SIGTERM mid-request, checks it drained. */
async function serveAndStop(databaseUrl: string, track: (child?: ChildProcessWithoutNullStreams) => void) {
  const server = startProcess(productionEnv(databaseUrl));
  track(server.child);
  const url = String((await listening(server)).url);
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/graphql$/);
  expect(url).not.toMatch(/:0\//);
  const base = new URL(url);

  const health = await fetch(new URL("/healthz", base), { headers: { connection: "close" } });
  expect(health.status).toBe(200);
  expect(await health.json()).toEqual({ status: "ok" });

  // A request whose headers have arrived (the server answered 100 Continue) but whose body has not.
  const body = JSON.stringify({ query: "query InFlight { categories { name } }" });
  const request = http.request(base, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
      authorization: `Bearer ${READ_KEY}`,
      expect: "100-continue",
    },
  });
  const response = new Promise<{ status?: number; text: string }>((resolve, reject) => {
    request.on("response", (res) => {
      let text = "";
      res.on("data", (chunk) => {
        text += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode, text }));
    });
    request.on("error", reject);
  });
  await new Promise<void>((resolve) => request.once("continue", resolve));

  server.child.kill("SIGTERM");
  await server.waitForLog((line) => /^shutting down/.test(String(line.msg)), "shutting down");
  request.end(body);

  const answer = await response;
  expect(answer.status).toBe(200);
  expect(JSON.parse(answer.text)).toEqual({ data: { categories: [] } });
  expect(await server.exited).toEqual({ code: 0, signal: null });
  track(undefined);
  const lines = server.logs();
  expect(lines.filter((line) => Number(line.level) >= 50)).toEqual([]);
  expect(lines.find((line) => line.msg === "graphql")).toMatchObject({ operation: "InFlight" });
}

describe("npm start", () => {
  let dir: string;
  let running: ChildProcessWithoutNullStreams | undefined;
  const track = (child?: ChildProcessWithoutNullStreams) => {
    running = child;
  };
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cai-start-"));
  });
  afterAll(() => {
    running?.kill("SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true });
  });

  // Both databases: closing a PostgreSQL pool takes long enough that a second signal handler
  // (Apollo's own, which re-sends the signal) ended the process with code 1.
  it.each(PROVIDERS)(
    "serves on the port it logs, and on SIGTERM finishes the request in flight, then exits 0 [%s]",
    async (provider) => {
      if (provider === "postgresql" && process.env.CAI_TEST_POSTGRES_SKIP) return;
      const postgres = provider === "postgresql" ? await createPostgresDatabase() : undefined;
      try {
        await serveAndStop(postgres?.url ?? `file:${path.join(dir, "new", "app.db")}`, track);
      } finally {
        await postgres?.drop();
      }
    },
  );

  it("fits the population priors before it listens, so no request waits for them", async () => {
    const url = `file:${path.join(dir, "priors.db")}`;
    await migrateDatabase(url);
    const database = openDatabase(url);
    try {
      await seedDatabase(database.prisma, { customers: 12, days: 120, seed: 9, end: new Date() });
    } finally {
      await database.close();
    }
    const server = startProcess(productionEnv(url));
    track(server.child);
    const ready = await listening(server);
    const messages = () => server.logs().map((line) => line.msg);
    expect(messages().indexOf("population priors ready")).toBeGreaterThanOrEqual(0);
    expect(messages().indexOf("population priors ready")).toBeLessThan(messages().indexOf("listening"));
    expect(server.logs().find((line) => line.msg === "population priors ready")).toMatchObject({
      origin: "fitted",
      customers: 12,
    });

    const response = await fetch(String(ready.url), {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${READ_KEY}` },
      body: JSON.stringify({ query: '{ customer(id: "1") { predictions { category } } }' }),
    });
    const body = (await response.json()) as { data: { customer: { predictions: unknown[] } } };
    expect(body.data.customer.predictions.length).toBeGreaterThan(0);
    server.child.kill("SIGTERM");
    expect(await server.exited).toEqual({ code: 0, signal: null });
    track(undefined);
    // The request found the priors in force: nothing was fitted for it.
    expect(messages().filter((msg) => /priors/.test(String(msg)))).toEqual(["population priors ready"]);
  }, 60_000);

  it("warns when it starts with a heap too small for the cache it is configured for", async () => {
    const server = startProcess({
      ...productionEnv(`file:${path.join(dir, "small-heap.db")}`),
      NODE_OPTIONS: "--max-old-space-size=256",
    });
    track(server.child);
    await listening(server);
    server.child.kill("SIGTERM");
    expect(await server.exited).toEqual({ code: 0, signal: null });
    track(undefined);
    const warnings = server.logs().filter((line) => line.level === 40);
    expect(warnings.map((line) => line.msg)).toContainEqual(
      expect.stringMatching(
        /^CACHE_MAX_ENTRIES=10000 keeps up to about 210 MiB of predictions in this process, but its heap limit is \d+ MiB: run node with --max-old-space-size=\d+ or more, or lower CACHE_MAX_ENTRIES$/,
      ),
    );
  });

  it.each([
    ["abc", "abc"],
    // Empty would otherwise read as 0: a random port nobody expects.
    ["empty", ""],
  ])("refuses a bad PORT (%s) with one line naming it, before touching the database", async (_, port) => {
    const file = path.join(dir, "untouched.db");
    const result = await runCli("start", [], { PORT: port, DATABASE_URL: `file:${file}` });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `error: Invalid configuration: PORT: expected a port number from 0 to 65535 (got ${JSON.stringify(port)})\n`,
    );
    expect(fs.existsSync(file)).toBe(false);
  });
});
