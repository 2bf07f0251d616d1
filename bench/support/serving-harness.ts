// What the phases of `npm run bench` (bench/run.ts, bench/phases/) share: clean-up on exit, the
// scratch database and its seeding, this project's API server started in-process with production
// settings and a READ key, the GraphQL page query, autocannon in a worker thread, cold rounds,
// percentiles, thread CPU, settling and the machine line.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import pg from "pg";
import { KeyRing } from "../../src/auth/api-keys";
import { intOption } from "../../src/cli/support/command";
import { DEFAULT_PREDICTION_CONFIG, loadConfig, redactUrl } from "../../src/config";
import { seedDatabase } from "../../src/datagen/seed";
import { type Database, type OpenDatabaseOptions, openDatabase } from "../../src/db/client";
import { migrateDatabase } from "../../src/db/migrate";
import type { Logger } from "../../src/logger";
import { createPredictionRuntime, type PredictionRuntime } from "../../src/predictions/runtime";
import { createServer } from "../../src/server";

export const PAGE_SIZE = 50;
export const PREDICTION_FIELDS = "predictions { category nextPurchaseAt windowStart windowEnd confidence }";
export const PAGE_QUERY = `query Page($first: Int!, $after: String) {
  customers(first: $first, after: $after) { edges { node { id ${PREDICTION_FIELDS} } } }
}`;
const CURSOR_QUERY = `query Cursors($first: Int!, $after: String) {
  customers(first: $first, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } }
}`;

export interface Latencies {
  /** Requests answered (their latencies are the percentiles, failed ones included). */
  requests: number;
  /** No answer in time, a status other than 200, or GraphQL errors. */
  failed: number;
  requestsPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
}

export interface Page {
  after: string | null;
  customerIds: number[];
}

export interface PageData {
  customers: {
    edges: Array<{
      node: {
        id: string;
        predictions: Array<{
          category: string;
          nextPurchaseAt: string;
          windowStart: string;
          windowEnd: string;
          confidence: number;
        }>;
      };
    }>;
  };
}

// ---- options, progress and clean-up ----

/** The options every serving benchmark takes (spread into parseCommandArgs's with its own). */
export const BENCH_OPTIONS = {
  customers: { type: "string" },
  days: { type: "string" },
  duration: { type: "string" },
  connections: { type: "string" },
  json: { type: "boolean" },
} as const;

/** BENCH_OPTIONS's numbers, checked, with their defaults. */
export function benchSizes(values: {
  customers?: string;
  days?: string;
  duration?: string;
  connections?: string;
}) {
  return {
    customers: intOption("--customers", values.customers, { min: 100, max: 100_000, fallback: 2_000 }),
    days: intOption("--days", values.days, { min: 30, max: 3_650, fallback: 365 }),
    duration: intOption("--duration", values.duration, { min: 1, max: 600, fallback: 10 }),
    connections: intOption("--connections", values.connections, { min: 1, max: 200, fallback: 20 }),
  };
}

/** Runs a benchmark's main: an error is printed and sets exit code 1. */
export function runBench(main: () => Promise<void>): void {
  main().catch((error) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}

/** Writes `[bench:<name>] message` lines to stderr. */
export function progressTo(name: string): (message: string) => void {
  return (message) => process.stderr.write(`[bench:${name}] ${message}\n`);
}

/** Says so when NODE_ENV is not production (graphql-js then runs its development checks). */
export function warnUnlessProduction(script: string, progress: (message: string) => void): void {
  if (process.env.NODE_ENV !== "production") {
    progress(
      `NODE_ENV is not production: graphql-js runs its development checks; \`npm run ${script}\` sets it`,
    );
  }
}

export interface Cleanups {
  /** Adds a step; steps run last added first. */
  push(step: () => Promise<void>): void;
  /** Runs the steps added so far (a failing step is reported, the others still run). */
  run(): Promise<void>;
}

/** Clean-up steps, also run on SIGINT and SIGTERM (then the process exits with 130). */
export function cleanupStack(progress: (message: string) => void): Cleanups {
  const steps: Array<() => Promise<void>> = [];
  const run = async () => {
    for (const step of steps.splice(0).reverse()) {
      await step().catch((error: unknown) =>
        progress(`clean-up: ${error instanceof Error ? error.message : String(error)}`),
      );
    }
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      progress(`${signal}: cleaning up`);
      void run().finally(() => process.exit(130));
    });
  }
  return { push: (step) => void steps.push(step), run };
}

// ---- the database ----

export interface PreparedDatabase {
  url: string;
  label: string;
  remove(): Promise<void>;
}

/** A temporary SQLite file, or a scratch database on the PostgreSQL server `adminUrl` names. */
export async function prepareDatabase(adminUrl: string | undefined): Promise<PreparedDatabase> {
  if (!adminUrl) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cai-bench-"));
    return {
      url: `file:${path.join(dir, "serving.db")}`,
      label: "SQLite (temporary file)",
      remove: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  }
  if (!/^postgres(ql)?:\/\//.test(adminUrl)) {
    throw new Error(
      `DATABASE_URL: expected a postgresql:// admin URL to create a scratch database on, got ` +
        `${JSON.stringify(redactUrl(adminUrl))} (unset it for a temporary SQLite file)`,
    );
  }
  const name = `cai_bench_${randomBytes(6).toString("hex")}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    label: `PostgreSQL (scratch database ${name})`,
    remove: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/**
 * Prepares the database (see prepareDatabase; removed by `cleanups`), migrates it and seeds it with
 * `customers` × `days` (seed 1, up to today), then gathers PostgreSQL's planner statistics.
 */
export async function seedBenchDatabase(options: {
  adminUrl: string | undefined;
  customers: number;
  days: number;
  cleanups: Cleanups;
  progress: (message: string) => void;
}): Promise<{
  target: PreparedDatabase;
  seeded: Awaited<ReturnType<typeof seedDatabase>>;
  data: SeededData;
}> {
  const { customers, days, progress } = options;
  const target = await prepareDatabase(options.adminUrl);
  options.cleanups.push(target.remove);
  await migrateDatabase(target.url);
  const end = new Date(new Date().toISOString().slice(0, 10));
  progress(`seeding ${customers} customers × ${days} days into ${target.label} …`);
  const seeder = openDatabase(target.url);
  const seeded = await seedDatabase(seeder.prisma, { customers, days, seed: 1, end })
    .then(async (summary) => {
      // A production database has planner statistics (autovacuum gathers them within minutes of a
      // bulk load); without them PostgreSQL plans the history read as sequential scans.
      if (seeder.provider === "postgresql") await seeder.prisma.$executeRawUnsafe("ANALYZE");
      return summary;
    })
    .finally(() => seeder.close());
  progress(
    `seeded ${seeded.purchasesCreated} purchases, ${seeded.itemsCreated} items in ${seeded.seconds.toFixed(0)} s`,
  );
  return {
    target,
    seeded,
    data: { customers, days, seed: 1, purchases: seeded.purchasesCreated, items: seeded.itemsCreated },
  };
}

/** What a report says about the seeded data (the start of its `data`). */
export interface SeededData {
  customers: number;
  days: number;
  seed: number;
  purchases: number;
  items: number;
}

/** `note`: what follows the PostgreSQL version in brackets. */
export async function describeDatabase(database: Database, note = "same machine"): Promise<string> {
  if (database.provider === "sqlite") {
    const [row] = await database.prisma.$queryRaw<Array<{ v: string }>>`SELECT sqlite_version() AS v`;
    return `SQLite ${row?.v ?? "?"} (better-sqlite3, file, WAL)`;
  }
  const [row] = await database.prisma.$queryRaw<
    Array<{ v: string }>
  >`SELECT current_setting('server_version') AS v`;
  return `PostgreSQL ${row?.v ?? "?"} (${note})`;
}

// ---- this project's API server ----

export type Analyzer = Awaited<ReturnType<PredictionRuntime["analyzers"]["current"]>>;

export interface StartedApiServer {
  database: Database;
  runtime: PredictionRuntime;
  /** The analyzer serving uses (population priors fitted or loaded before anything is timed). */
  analyzer: Analyzer;
  /** Milliseconds the first `runtime.analyzers.current()` took (it fits the priors if none are stored). */
  analyzerMs: number;
  url: string;
  /** content-type and the READ key's bearer token. */
  headers: Record<string, string>;
  /** Headers with an INGEST key (recordPurchase). */
  ingestHeaders: Record<string, string>;
  /** Stops the server (only the first call does anything; also a clean-up step). */
  stop(): Promise<void>;
}

/**
 * The real API server in-process, as production runs it: port 0 on 127.0.0.1, production settings, no
 * introspection, a fresh random READ key (no anonymous reads), the prediction runtime under a random
 * cache namespace. Closing the database, the runtime and the server are added to `cleanups`.
 */
export async function startApiServer(options: {
  databaseUrl: string;
  log: Logger;
  cleanups: Cleanups;
  onQuery?: OpenDatabaseOptions["onQuery"];
  redisUrl?: string;
  /** The cache namespace is this and 8 random hex digits (default "cai-bench-"). */
  cacheNamespacePrefix?: string;
  /** Runs after the database is opened, before the prediction runtime is created. */
  beforeRuntime?: (database: Database) => Promise<void>;
}): Promise<StartedApiServer> {
  const { log, cleanups, redisUrl } = options;
  const readKey = `bench-read-${randomBytes(12).toString("hex")}`;
  const ingestKey = `bench-ingest-${randomBytes(12).toString("hex")}`;
  const database = openDatabase(options.databaseUrl, options.onQuery ? { onQuery: options.onQuery } : {});
  cleanups.push(() => database.close());
  await options.beforeRuntime?.(database);
  const runtime = createPredictionRuntime({
    config: {
      ...DEFAULT_PREDICTION_CONFIG,
      ...nearCacheConfig(),
      ...(redisUrl ? { redisUrl } : {}),
      cacheNamespace: `${options.cacheNamespacePrefix ?? "cai-bench-"}${randomBytes(4).toString("hex")}`,
    },
    db: database.prisma,
    provider: database.provider,
    log,
  });
  cleanups.push(() => runtime.close());
  const fitStarted = performance.now();
  const analyzer = await runtime.analyzers.current();
  const analyzerMs = performance.now() - fitStarted;
  const server = await createServer({
    config: { nodeEnv: "production", port: 0, host: "127.0.0.1", graphqlIntrospection: false },
    database,
    log,
    keys: new KeyRing({ read: [readKey], ingest: [ingestKey], admin: [] }, { anonymousReads: false }),
    predictions: runtime,
  });
  const { port } = await server.listen();
  let stopped = false;
  const stop = async () => {
    if (!stopped) await server.stop();
    stopped = true;
  };
  cleanups.push(stop);
  return {
    database,
    runtime,
    analyzer,
    analyzerMs,
    url: `http://127.0.0.1:${port}/graphql`,
    headers: { "content-type": "application/json", authorization: `Bearer ${readKey}` },
    ingestHeaders: { "content-type": "application/json", authorization: `Bearer ${ingestKey}` },
    stop,
  };
}

/** The prediction cache's keys of these customers (the service's key format). */
export function predictionKeys(analyzer: Analyzer, customerIds: readonly number[]): string[] {
  return customerIds.map((id) => `predictions:${analyzer.version}:${id}`);
}

/** Throws unless every key is in the prediction cache (proves keys and caching both). */
export async function assertCached(runtime: PredictionRuntime, keys: readonly string[]): Promise<void> {
  if ((await runtime.cache.getMany([...keys])).some((v) => v === undefined)) {
    throw new Error("warm pages are not in the prediction cache: did the cache key format change?");
  }
}

export function machine(): { cpu: string; cores: number; memoryGiB: number; node: string } {
  return {
    cpu: os.cpus()[0]?.model.trim() ?? "unknown",
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  };
}

// ---- requests ----

export function pageBody(first: number, after: string | null): string {
  return JSON.stringify({ query: PAGE_QUERY, variables: { first, after } });
}

export async function graphql<T = unknown>(
  url: string,
  headers: Record<string, string>,
  query: string,
  variables: object,
): Promise<T> {
  const response = await fetch(url, { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  const body = (await response.json()) as { data?: T; errors?: Array<{ message: string }> };
  if (response.status !== 200 || body.errors?.length || !body.data) {
    throw new Error(
      `GraphQL request to ${url} failed (${response.status}): ${body.errors?.[0]?.message ?? "no data"}`,
    );
  }
  return body.data;
}

/** Every page of PAGE_SIZE customers: the cursor to ask for it with, and its customers. */
export async function listPages(url: string, headers: Record<string, string>): Promise<Page[]> {
  type Data = {
    customers: {
      edges: Array<{ node: { id: string } }>;
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
  };
  const pages: Page[] = [];
  let after: string | null = null;
  for (;;) {
    const { customers }: Data = await graphql<Data>(url, headers, CURSOR_QUERY, { first: PAGE_SIZE, after });
    pages.push({ after, customerIds: customers.edges.map((e) => Number(e.node.id)) });
    if (!customers.pageInfo.hasNextPage) return pages;
    after = customers.pageInfo.endCursor;
  }
}

/** Each page requested once, by `clients` concurrent clients taking the next page in turn. */
export async function coldRound(
  url: string,
  headers: Record<string, string>,
  pages: readonly Page[],
  clients: number,
  /** Called with each failed request's status and answer. */
  onFailure?: (status: number, text: string) => void,
): Promise<Latencies> {
  const times: number[] = [];
  let failed = 0;
  let next = 0;
  const started = performance.now();
  const client = async () => {
    while (next < pages.length) {
      const page = pages[next++]!;
      const sent = performance.now();
      const response = await fetch(url, { method: "POST", headers, body: pageBody(PAGE_SIZE, page.after) });
      const text = await response.text();
      times.push(performance.now() - sent);
      if (response.status !== 200 || text.includes('"errors"')) {
        failed++;
        onFailure?.(response.status, text);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(clients, pages.length) }, client));
  return summarise(times, failed, (performance.now() - started) / 1000);
}

export interface LoadTestOptions {
  url: string;
  headers: Record<string, string>;
  connections: number;
  duration: number;
  /** Request bodies each connection cycles through. */
  bodies: string[];
  /** Seconds to wait for one answer (unset: autocannon's default, 10). */
  timeout?: number;
  /**
   * Replace "[<id>]" in each body with a unique id per request (autocannon's idReplacement): every
   * connection walks the same bodies in the same order, so writes need it to be distinct.
   */
  idReplacement?: boolean;
}

/** autocannon in a worker thread, so the load generator does not share the servers' event loop. */
export function loadTest(options: LoadTestOptions): Promise<Latencies> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(LOAD_WORKER, {
      eval: true,
      workerData: { ...options, autocannon: require.resolve("autocannon") },
    });
    worker.once("error", reject);
    worker.once(
      "message",
      (m: {
        latencies: number[];
        seconds: number;
        non2xx: number;
        errors: number;
        graphqlErrors: number;
      }) => {
        const failed = Math.max(m.non2xx, m.graphqlErrors) + m.errors;
        resolve(summarise(m.latencies, failed, m.seconds));
      },
    );
  });
}

const LOAD_WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const autocannon = require(workerData.autocannon);
const latencies = [];
let graphqlErrors = 0;
const started = performance.now();
const instance = autocannon(
  {
    url: workerData.url,
    connections: workerData.connections,
    duration: workerData.duration,
    ...(workerData.timeout === undefined ? {} : { timeout: workerData.timeout }),
    ...(workerData.idReplacement ? { idReplacement: true } : {}),
    requests: workerData.bodies.map((body) => ({
      method: "POST",
      headers: workerData.headers,
      body,
      onResponse: (status, text) => {
        if (text.includes('"errors"')) graphqlErrors++;
      },
    })),
  },
  (error, result) => {
    if (error) throw error;
    parentPort.postMessage({
      latencies,
      seconds: (performance.now() - started) / 1000,
      non2xx: result.non2xx,
      errors: result.errors + result.timeouts,
      graphqlErrors,
    });
  },
);
instance.on("response", (client, statusCode, bytes, ms) => latencies.push(ms));
`;

// ---- statistics and small helpers ----

export function summarise(times: readonly number[], failed: number, seconds: number): Latencies {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
  return {
    requests: sorted.length,
    failed,
    requestsPerSecond: sorted.length / seconds,
    p50: at(50),
    p95: at(95),
    p99: at(99),
    mean: sorted.reduce((sum, t) => sum + t, 0) / sorted.length,
  };
}

/** CPU milliseconds this process's main thread has used (Linux /proc; NaN elsewhere). */
export function threadCpuMs(): number {
  return cpuMsOf(`/proc/self/task/${process.pid}/stat`);
}

/** CPU milliseconds another process has used, all its threads (Linux /proc; NaN elsewhere). */
export function processCpuMs(pid: number): number {
  return cpuMsOf(`/proc/${pid}/stat`);
}

function cpuMsOf(statFile: string): number {
  try {
    const stat = fs.readFileSync(statFile, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime, in clock ticks of 10 ms (USER_HZ is 100 on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/**
 * Waits until the servers have finished the requests still queued in them: no SQL statement and an
 * event loop at most 5 % busy for 3 intervals of 100 ms in a row (at most `maxMs`, default 120 s).
 */
export async function settle(statements: () => number, maxMs = 120_000): Promise<void> {
  let quiet = 0;
  let seen = statements();
  let busy = performance.eventLoopUtilization();
  for (let waited = 0; quiet < 3 && waited < maxMs; waited += 100) {
    await sleep(100);
    const utilisation = performance.eventLoopUtilization(busy).utilization;
    busy = performance.eventLoopUtilization();
    quiet = statements() === seen && utilisation < 0.05 ? quiet + 1 : 0;
    seen = statements();
  }
}

/** A SQL statement on one line, at most 60 characters, quoted with ". */
export function shorten(sql: string): string {
  const flat = sql.replace(/\s+/g, " ").replaceAll("`", '"').trim();
  return flat.length > 60 ? `${flat.slice(0, 57)}…` : flat;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The near cache in front of Redis as a server would configure it (CACHE_NEAR_MAX_ENTRIES,
 * CACHE_NEAR_TTL_SECONDS): the bench measures it on and off by running with and without
 * CACHE_NEAR_MAX_ENTRIES=0. Every other setting stays the default, so runs compare.
 */
export function nearCacheConfig(): { cacheNearMaxEntries: number; cacheNearTtlSeconds: number } {
  const { cacheNearMaxEntries, cacheNearTtlSeconds } = loadConfig({
    CACHE_NEAR_MAX_ENTRIES: process.env.CACHE_NEAR_MAX_ENTRIES,
    CACHE_NEAR_TTL_SECONDS: process.env.CACHE_NEAR_TTL_SECONDS,
  }).predictions;
  return { cacheNearMaxEntries, cacheNearTtlSeconds };
}
