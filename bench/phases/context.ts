// What the phases of `npm run bench` share: the options, the one seeded database, this project's API
// server started once (in-process, production settings, READ key) with its SQL statements counted,
// the pages of the query and the rotation of pages every load phase cycles through.
import os from "node:os";
import { Writable } from "node:stream";
import pino from "pino";
import { type Config, DEFAULT_PREDICTION_CONFIG } from "../../src/config";
import { fitAndStorePriors } from "../../src/predictions/store/priors-store";
import { profiled } from "../support/profile";
import {
  assertCached,
  type Cleanups,
  describeDatabase,
  graphql,
  type Latencies,
  listPages,
  machine,
  nearCacheConfig,
  PAGE_QUERY,
  PAGE_SIZE,
  type Page,
  type PageData,
  type PreparedDatabase,
  predictionKeys,
  type SeededData,
  type StartedApiServer,
  settle,
  sleep,
  startApiServer,
  threadCpuMs,
} from "../support/serving-harness";
import { peakRssDuring, redisVersion } from "../support/stats";

export interface BenchOptions {
  customers: number;
  days: number;
  /** Seconds of each load phase. */
  duration: number;
  connections: number;
  runs: number;
  /** Pages of 50 every load phase cycles through (the warm ones all cached beforehand). */
  rotationPages: number;
  /** Purchases read back at once in the freshness check. */
  samples: number;
  rssSeconds: number;
  bedrockCustomers: number;
  bedrockLatencyMs: number;
  bedrockConcurrency: number[];
  cpuProfile: string | undefined;
}

/** A timed phase's latencies with what the server spent on it. */
export type MeasuredPhase<T extends Latencies = Latencies> = T & {
  /**
   * CPU time of the server's thread per request (Linux; NaN elsewhere): unlike latency, barely
   * affected by other processes competing for the cores.
   */
  serverCpuMs: number;
  cacheFailures: number;
  /** Peak RSS of the bench process (which holds the server) during the phase, MiB. */
  rssMiB: number;
};

/** SQL statements a server sent (through the database client's onQuery hook). */
export interface SqlCounter {
  statements: number;
  /** History reads: the one statement of a cold page that joins PurchaseItem. */
  historyReads: number;
  /** Customer-page reads: one per GraphQL page request served, on either server. */
  pages: number;
  recording: string[] | undefined;
}

export function sqlCounter(): SqlCounter {
  return { statements: 0, historyReads: 0, pages: 0, recording: undefined };
}

export function onQueryOf(count: SqlCounter): (statement: string) => void {
  return (statement) => {
    count.statements++;
    if (statement.includes('"PurchaseItem"') || statement.includes("`PurchaseItem`")) count.historyReads++;
    // Raw SQL quotes with ", Prisma's SQLite queries with `.
    if (/FROM\s+([`"]\w+[`"]\.)?[`"]Customer[`"]/.test(statement) && !/[`"]Purchase/.test(statement)) {
      count.pages++;
    }
    count.recording?.push(statement);
  };
}

export interface ServingContext {
  options: BenchOptions;
  progress: (message: string) => void;
  cleanups: Cleanups;
  target: PreparedDatabase;
  data: SeededData;
  api: StartedApiServer;
  sql: SqlCounter;
  /** Cache operations that failed or timed out so far (the server logs each and computes without). */
  cacheFailures(): number;
  pages: Page[];
  rotation: Page[];
  /** The rotation's request bodies. */
  bodies: string[];
  /** Size of a warm page's answer, for the report. */
  response: { bytes: number; predictions: number };
  database: string;
  cache: string;
  /** Empties the prediction cache of every seeded customer. */
  clearCache(): Promise<void>;
  /** Asks for every rotation page once and checks they are all cached. */
  warmRotation(): Promise<void>;
  /**
   * The SQL statements one request for `first` customers from page `index` (or the last page) sends
   * to the server at `url`.
   */
  statementsOf(url: string, counter: SqlCounter, first: number, index: number): Promise<string[]>;
  /**
   * Runs a timed phase (under the CPU profiler in run 1 with --cpu-profile) and adds the server
   * thread's CPU per request, cache failures and the process's peak RSS. With `served`, the servers
   * are drained after it and CPU is divided by the pages that counter saw served.
   */
  measure<T extends Latencies>(
    run: number,
    name: string,
    body: () => Promise<T>,
    served?: SqlCounter,
  ): Promise<MeasuredPhase<T>>;
}

/**
 * Starts this project's server on the seeded database (population priors fitted and stored first, so
 * the naive reference can load the same ones) and lists the pages.
 */
export async function servingContext(shared: {
  options: BenchOptions;
  progress: (message: string) => void;
  cleanups: Cleanups;
  target: PreparedDatabase;
  data: SeededData;
  otherStatements: () => number;
}): Promise<ServingContext> {
  const { options, progress, cleanups, target } = shared;
  const redisUrl = process.env.REDIS_URL || undefined;
  // The server's logs go to stderr, except the cache's failure warnings, which are only counted.
  let cacheFailures = 0;
  const logSink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const line = chunk.toString("utf8");
      if (line.includes('"msg":"prediction cache ')) cacheFailures++;
      else process.stderr.write(line);
      done();
    },
  });
  const log = pino({ level: (process.env.LOG_LEVEL || "warn") as Config["logLevel"] }, logSink);
  const sql = sqlCounter();
  let stored: Awaited<ReturnType<typeof fitAndStorePriors>> | undefined;
  const api = await startApiServer({
    databaseUrl: target.url,
    log,
    cleanups,
    ...(redisUrl ? { redisUrl } : {}),
    onQuery: onQueryOf(sql),
    beforeRuntime: async (database) => {
      const started = performance.now();
      stored = await fitAndStorePriors(database.prisma, database.provider, {
        timeZone: DEFAULT_PREDICTION_CONFIG.timeZone,
      });
      progress(`population priors fitted in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    },
  });
  if (!stored || !api.analyzer.version.includes(stored.priors.fingerprint.slice(0, 16))) {
    throw new Error(`the server's analyzer ${api.analyzer.version} does not use the priors just fitted`);
  }
  const pages = await listPages(api.url, api.headers);
  const rotation = pages.slice(0, Math.min(options.rotationPages, pages.length));
  const allKeys = predictionKeys(
    api.analyzer,
    pages.flatMap((p) => p.customerIds),
  );
  const clearCache = async () => {
    for (let attempt = 1; ; attempt++) {
      const failuresBefore = cacheFailures;
      for (let i = 0; i < allKeys.length; i += 500)
        await api.runtime.cache.deleteMany(allKeys.slice(i, i + 500));
      const left = (await api.runtime.cache.getMany(allKeys)).filter((v) => v !== undefined).length;
      if (!left && cacheFailures === failuresBefore) return;
      if (attempt === 5) throw new Error(`could not empty the prediction cache (${left} entries left)`);
      await sleep(500);
    }
  };
  // After the server has stopped, so no request still in it refills the cache (Redis outlives us).
  cleanups.push(async () => {
    await api.stop();
    await clearCache();
  });
  const response = { bytes: 0, predictions: 0 };
  const allStatements = () => sql.statements + shared.otherStatements();

  return {
    options,
    progress,
    cleanups,
    target,
    data: shared.data,
    api,
    sql,
    cacheFailures: () => cacheFailures,
    pages,
    rotation,
    bodies: rotation.map((p) =>
      JSON.stringify({ query: PAGE_QUERY, variables: { first: PAGE_SIZE, after: p.after } }),
    ),
    response,
    database: await describeDatabase(api.database, "same machine, pool of 10 connections"),
    cache: redisUrl
      ? `Redis ${await redisVersion(redisUrl)}, ${nearCacheOf(nearCacheConfig())}`
      : "in-memory LRU (Keyv)",
    clearCache,
    async warmRotation() {
      for (const page of rotation) {
        const data = await graphql<PageData>(api.url, api.headers, PAGE_QUERY, {
          first: PAGE_SIZE,
          after: page.after,
        });
        response.bytes = JSON.stringify({ data }).length;
        response.predictions = data.customers.edges.reduce((n, e) => n + e.node.predictions.length, 0);
      }
      // Proves both that the pages are cached and that the key format matches the service's.
      await assertCached(
        api.runtime,
        predictionKeys(
          api.analyzer,
          rotation.flatMap((p) => p.customerIds),
        ),
      );
    },
    async statementsOf(url, counter, first, index) {
      const page = pages[Math.min(index, pages.length - 1)]!;
      // A priors recheck (every 60 s, in the background) must not land inside the counted request.
      await api.runtime.analyzers.current();
      await sleep(100);
      counter.recording = [];
      await graphql(url, api.headers, PAGE_QUERY, { first, after: page.after });
      const recorded = counter.recording;
      counter.recording = undefined;
      return recorded;
    },
    async measure(run, name, body, served) {
      const cpuBefore = threadCpuMs();
      const failuresBefore = cacheFailures;
      const pagesBefore = served?.pages ?? 0;
      const timed =
        options.cpuProfile && run === 1 ? () => profiled(options.cpuProfile!, name, body, progress) : body;
      const [result, rssMiB] = await peakRssDuring(async () => {
        const result = await timed();
        // The server still works through the requests the clients had sent when the time was up.
        if (served) await settle(allStatements);
        return result;
      });
      const requests = served ? served.pages - pagesBefore : result.requests;
      return {
        ...result,
        serverCpuMs: (threadCpuMs() - cpuBefore) / requests,
        cacheFailures: cacheFailures - failuresBefore,
        rssMiB,
      };
    },
  };
}

export function machineDescription() {
  return { ...machine(), loadAverage: os.loadavg() };
}

function nearCacheOf({
  cacheNearMaxEntries,
  cacheNearTtlSeconds,
}: ReturnType<typeof nearCacheConfig>): string {
  return cacheNearMaxEntries > 0
    ? `near cache of ${cacheNearMaxEntries} customers, ${cacheNearTtlSeconds} s`
    : "no near cache";
}
