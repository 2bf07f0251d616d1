// npm run bench:serving [-- --customers N --days D --duration S --runs R --connections C --json] —
// latency of Customer.predictions served by the real API server (in-process, port 0, production
// settings, READ key, logs at warn) over pages of 50 customers:
//   warm: pages already in the prediction cache, C concurrent clients (autocannon) for S seconds;
//   cold: every request a page nobody asked for yet (cache cleared), 1 client and C clients;
//   SQL statements of one warm and one cold request at first: 5 and first: 50.
// Targets (issue 5): warm p95 < 25 ms at 20 clients, cold p95 < 300 ms, statements constant in page
// size. The database is prepared here and removed afterwards: a temporary SQLite file by default; with
// DATABASE_URL=postgresql://… (an admin URL) a scratch database is created on that server and dropped,
// and REDIS_URL puts the prediction cache in Redis (under a random namespace, emptied afterwards).
// Each run is the whole measurement; the report gives the median of the runs. --cpu-profile DIR
// profiles the server's thread during each phase of run 1 (DIR/<phase>.cpuprofile, for Chrome
// DevTools) and prints the functions with the most self time.
import fs from "node:fs";
import { Session } from "node:inspector/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { intOption, parseCommandArgs } from "../src/cli/support/command";
import type { Config } from "../src/config";
import * as harness from "./support/serving-harness";
import {
  assertCached,
  BENCH_OPTIONS,
  benchSizes,
  cleanupStack,
  describeDatabase,
  graphql,
  listPages,
  machine,
  PAGE_QUERY,
  PAGE_SIZE,
  type Page,
  type PageData,
  pageBody,
  predictionKeys,
  progressTo,
  runBench,
  type SeededData,
  seedBenchDatabase,
  settle,
  shorten,
  sleep,
  startApiServer,
  threadCpuMs,
  warnUnlessProduction,
} from "./support/serving-harness";

const TARGET = { warmP95Ms: 25, coldP95Ms: 300 };
/** Pages the warm phase cycles through (all cached beforehand). */
const WARM_PAGES = 10;
/** The settle wait's limit (ms): a warm phase's queued requests take far less. */
const SETTLE_MAX_MS = 60_000;
const progress = progressTo("serving");

/** The harness's latencies (requests answered, failed, percentiles, mean), per phase without a rate. */
interface Latencies extends Omit<harness.Latencies, "requestsPerSecond"> {
  /** Cache operations that failed or timed out (the server logs each and computes without the cache). */
  cacheFailures: number;
  /**
   * CPU time of the server's thread per request (Linux; NaN elsewhere): unlike latency, barely
   * affected by other processes competing for the cores. Cold rounds include the fetch client (~1 ms).
   */
  serverCpuMs: number;
}

interface WarmResult extends Latencies {
  requestsPerSecond: number;
  /** Pages computed during the warm phase (history reads): requests whose cache read did not answer. */
  recomputed: number;
}

interface StatementCounts {
  warm5: number;
  warm50: number;
  cold5: number;
  cold50: number;
  /** The statements of the cold first: 50 request, shortened. */
  coldStatements: string[];
}

interface RunResult {
  /** 1-minute load average of the machine when the run started (2 cores: above 2, something else ran). */
  loadAverage: number;
  warm: WarmResult;
  cold1: Latencies;
  coldConcurrent: Latencies;
  statements: StatementCounts;
}

async function main(): Promise<void> {
  const { values } = parseCommandArgs({
    ...BENCH_OPTIONS,
    runs: { type: "string" },
    "cpu-profile": { type: "string" },
  });
  const { customers, days, duration, connections } = benchSizes(values);
  const runs = intOption("--runs", values.runs, { min: 1, max: 20, fallback: 3 });
  const redisUrl = process.env.REDIS_URL || undefined;
  const logLevel = (process.env.LOG_LEVEL || "warn") as Config["logLevel"];
  const profileDir = values["cpu-profile"];
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
  const log = pino({ level: logLevel }, logSink);
  /** Runs a timed phase (in run 1 with --cpu-profile, under the profiler) and adds its CPU per request. */
  const phase = async <T extends Omit<Latencies, "serverCpuMs" | "cacheFailures">>(
    run: number,
    name: string,
    body: () => Promise<T>,
  ): Promise<T & Pick<Latencies, "serverCpuMs" | "cacheFailures">> => {
    const cpuBefore = threadCpuMs();
    const failuresBefore = cacheFailures;
    const result = await (profileDir && run === 1 ? profiled(profileDir, name, body) : body());
    return {
      ...result,
      serverCpuMs: (threadCpuMs() - cpuBefore) / result.requests,
      cacheFailures: cacheFailures - failuresBefore,
    };
  };
  warnUnlessProduction("bench:serving", progress);
  const cleanups = cleanupStack(progress);

  try {
    // ---- database: prepared, migrated and seeded here ----
    const { target, data: seededData } = await seedBenchDatabase({
      adminUrl: process.env.DATABASE_URL,
      customers,
      days,
      cleanups,
      progress,
    });

    // ---- the server, as production runs it ----
    const sql = { statements: 0, historyReads: 0, recording: undefined as string[] | undefined };
    // The first analyzer request fits the population priors (none are stored yet): not part of serving.
    const { database, runtime, analyzer, analyzerMs, url, headers, stop } = await startApiServer({
      databaseUrl: target.url,
      log,
      cleanups,
      ...(redisUrl ? { redisUrl } : {}),
      onQuery: (statement) => {
        sql.statements++;
        // The serving path's history read is the one statement that joins PurchaseItem.
        if (statement.includes('"PurchaseItem"')) sql.historyReads++;
        sql.recording?.push(statement);
      },
    });
    progress(`population priors fitted in ${(analyzerMs / 1000).toFixed(1)} s`);

    const pages = await listPages(url, headers);
    const keysOf = (ids: readonly number[]) => predictionKeys(analyzer, ids);
    const allKeys = keysOf(pages.flatMap((p) => p.customerIds));
    /** Empties the cache of the benchmark's customers; a failed cache operation (it only logs) is retried. */
    const clearCache = async () => {
      for (let attempt = 1; ; attempt++) {
        const failuresBefore = cacheFailures;
        for (let i = 0; i < allKeys.length; i += 500)
          await runtime.cache.deleteMany(allKeys.slice(i, i + 500));
        const left = (await runtime.cache.getMany(allKeys)).filter((v) => v !== undefined).length;
        if (!left && cacheFailures === failuresBefore) return;
        if (attempt === 5) throw new Error(`could not empty the prediction cache (${left} entries left)`);
        await sleep(500);
      }
    };
    // Cleaned up after the server has stopped (so no request still in it refills the cache).
    cleanups.push(async () => {
      await stop();
      await clearCache();
    });

    const results: RunResult[] = [];
    /** Size of a warm page's answer (the last page requested), for the report. */
    const warmResponse = { bytes: 0, predictions: 0 };
    for (let run = 1; run <= runs; run++) {
      const loadAverage = os.loadavg()[0]!;
      progress(
        `run ${run}/${runs}: warm (${connections} clients, ${duration} s; load average ${loadAverage.toFixed(1)}) …`,
      );
      await clearCache();
      const warmPages = pages.slice(0, Math.min(WARM_PAGES, pages.length));
      for (const page of warmPages) {
        const data = await graphql<PageData>(url, headers, PAGE_QUERY, {
          first: PAGE_SIZE,
          after: page.after,
        });
        warmResponse.bytes = JSON.stringify({ data }).length;
        warmResponse.predictions = data.customers.edges.reduce((n, e) => n + e.node.predictions.length, 0);
      }
      // Proves both that the pages are cached and that keysOf matches the service's cache keys.
      await assertCached(runtime, keysOf(warmPages.flatMap((p) => p.customerIds)));
      const readsBeforeWarm = sql.historyReads;
      const warmLoad = await phase(run, "warm", () =>
        loadTest({
          url,
          headers,
          connections,
          duration,
          bodies: warmPages.map((p) => pageBody(PAGE_SIZE, p.after)),
        }),
      );
      // The server still works through the requests the clients had sent when the time was up; cleared
      // too early, the cache would be refilled by them and the next round would not be cold.
      await settle(() => sql.statements, SETTLE_MAX_MS);
      const warm: WarmResult = { ...warmLoad, recomputed: sql.historyReads - readsBeforeWarm };

      /** One cold round, checked: every page computed exactly once (one history read each). */
      const cold = async (name: string, clients: number) => {
        await clearCache();
        const readsBefore = sql.historyReads;
        const result = await phase(run, name, () => coldRound(url, headers, pages, clients));
        const reads = sql.historyReads - readsBefore;
        if (reads > pages.length || reads < pages.length - result.failed) {
          throw new Error(`cold round: expected ${pages.length} history reads (one per page), saw ${reads}`);
        }
        return result;
      };

      progress(`run ${run}/${runs}: cold, ${pages.length} pages, 1 client …`);
      const cold1 = await cold("cold-1-client", 1);
      progress(`run ${run}/${runs}: cold, ${pages.length} pages, ${connections} clients …`);
      const coldConcurrent = await cold(`cold-${connections}-clients`, connections);

      progress(`run ${run}/${runs}: SQL statements per request …`);
      const counted = async (first: number, page: Page) => {
        // A priors recheck (every 60 s, in the background) must not land inside the counted request.
        await runtime.analyzers.current();
        await sleep(100);
        sql.recording = [];
        await graphql(url, headers, PAGE_QUERY, { first, after: page.after });
        const recorded = sql.recording;
        sql.recording = undefined;
        return recorded;
      };
      const pageAt = (i: number) => pages[Math.min(i, pages.length - 1)]!;
      await clearCache();
      const cold5 = await counted(5, pageAt(2));
      const warm5 = await counted(5, pageAt(2));
      await clearCache();
      const cold50 = await counted(PAGE_SIZE, pageAt(3));
      const warm50 = await counted(PAGE_SIZE, pageAt(3));
      results.push({
        loadAverage,
        warm,
        cold1,
        coldConcurrent,
        statements: {
          warm5: warm5.length,
          warm50: warm50.length,
          cold5: cold5.length,
          cold50: cold50.length,
          coldStatements: cold50.map(shorten),
        },
      });
      progress(
        `run ${run}/${runs}: warm p95 ${warm.p95.toFixed(1)} ms (${warm.requestsPerSecond.toFixed(0)} req/s), ` +
          `cold p95 ${cold1.p95.toFixed(0)} ms (1 client), ${coldConcurrent.p95.toFixed(0)} ms (${connections} clients)`,
      );
    }

    const report = {
      date: new Date().toISOString(),
      machine: {
        ...machine(),
        database: await describeDatabase(database, "same machine, pool of 10 connections"),
        cache: redisUrl ? `Redis ${await redisVersion(redisUrl)}` : "in-memory LRU (Keyv)",
      },
      data: {
        ...seededData,
        pageSize: PAGE_SIZE,
        pages: pages.length,
        warmPages: Math.min(WARM_PAGES, pages.length),
        responseKiB: Math.round(warmResponse.bytes / 1024),
        predictionsPerPage: warmResponse.predictions,
      },
      settings: {
        runs,
        duration,
        connections,
        nodeEnv: process.env.NODE_ENV ?? "(unset)",
        analyzer: analyzer.version,
      },
      median: medianRun(results),
      runs: results,
    };
    const verdicts = judge(report.median);
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ ...report, targets: verdicts }, null, 2)}\n`);
    } else {
      process.stdout.write(markdown(report, verdicts));
    }
    if (!verdicts.warmP95 || !verdicts.coldP95 || !verdicts.statementsConstant) process.exitCode = 1;
  } finally {
    await cleanups.run();
  }
}

// ---- the cache ----

/** The Redis server's version, from INFO over a plain socket (the cache itself does not expose it). */
function redisVersion(redisUrl: string): Promise<string> {
  const { hostname, port } = new URL(redisUrl);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || 6379) });
    let text = "";
    const done = (version: string) => {
      socket.destroy();
      resolve(version);
    };
    socket.setTimeout(2_000, () => done("?"));
    socket.on("error", () => done("?"));
    socket.on("connect", () => socket.write("INFO server\r\n"));
    socket.on("data", (chunk) => {
      text += chunk.toString("utf8");
      const match = /redis_version:([^\r\n]+)/.exec(text);
      if (match) done(match[1]!);
    });
  });
}

// ---- requests (the harness's, without the fields this report never had) ----

/**
 * Each page requested once, by `clients` concurrent clients taking the next page in turn; the cache
 * is empty for them, so every request computes its page. Latency is measured to the last byte.
 */
async function coldRound(
  url: string,
  headers: Record<string, string>,
  pages: readonly Page[],
  clients: number,
): Promise<Omit<Latencies, "serverCpuMs" | "cacheFailures">> {
  let failed = 0;
  const { requestsPerSecond: _, ...latencies } = await harness.coldRound(
    url,
    headers,
    pages,
    clients,
    (status, text) => {
      if (++failed === 1) progress(`a cold request failed (${status}): ${text.slice(0, 300)}`);
    },
  );
  return latencies;
}

/**
 * autocannon in a worker thread, so the load generator does not share the server's event loop (the
 * second core runs it). Latencies come from its per-response event (sub-millisecond; its own
 * histogram keeps whole milliseconds and has no p95).
 */
async function loadTest(
  options: harness.LoadTestOptions,
): Promise<Omit<WarmResult, "serverCpuMs" | "cacheFailures" | "recomputed">> {
  const { requestsPerSecond, ...latencies } = await harness.loadTest(options);
  return { ...latencies, requestsPerSecond };
}

// ---- profiling ----

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

/** Runs body under V8's CPU profiler (this thread), saves DIR/name.cpuprofile, prints the top self times. */
async function profiled<T>(dir: string, name: string, body: () => Promise<T>): Promise<T> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  try {
    return await body();
  } finally {
    const { profile } = (await session.post("Profiler.stop")) as { profile: CpuProfile };
    session.disconnect();
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${name}.cpuprofile`);
    fs.writeFileSync(file, JSON.stringify(profile));
    progress(`${file}: most self time\n${topSelfTime(profile, 20)}`);
  }
}

function topSelfTime(profile: CpuProfile, count: number): string {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let total = 0;
  profile.samples?.forEach((id, i) => {
    const micros = profile.timeDeltas?.[i] ?? 0;
    const { functionName, url, lineNumber } = nodes.get(id)!.callFrame;
    const where = url.replace(/^file:\/\//, "").replace(`${process.cwd()}/`, "");
    const fn = `${functionName || "(anonymous)"} ${where ? `${where}:${lineNumber + 1}` : ""}`.trim();
    const pkg =
      /node_modules\/((@[^/]+\/)?[^/]+)/.exec(where)?.[1] ??
      (where.startsWith("dist/") ? "project" : where || fn);
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + micros);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros);
    total += micros;
  });
  const top = (map: Map<string, number>, n: number) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([what, micros]) => `  ${((100 * micros) / total).toFixed(1).padStart(5)} %  ${what}`);
  return [...top(byFunction, count), "  by package:", ...top(byPackage, 10)].join("\n");
}

// ---- statistics and report ----

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Every number the median of that number over the runs. */
function medianRun(runs: readonly RunResult[]): RunResult {
  const of = <T extends object>(pick: (r: RunResult) => T): T => {
    const first = pick(runs[0]!);
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(first)) {
      out[key] =
        typeof value === "number"
          ? median(runs.map((r) => (pick(r) as Record<string, number>)[key]!))
          : value;
    }
    return out as T;
  };
  return {
    loadAverage: median(runs.map((r) => r.loadAverage)),
    warm: of((r) => r.warm),
    cold1: of((r) => r.cold1),
    coldConcurrent: of((r) => r.coldConcurrent),
    statements: of((r) => r.statements),
  };
}

interface Verdicts {
  warmP95: boolean;
  coldP95: boolean;
  coldConcurrentP95: boolean;
  statementsConstant: boolean;
}

function judge(m: RunResult): Verdicts {
  return {
    warmP95: m.warm.p95 < TARGET.warmP95Ms,
    coldP95: m.cold1.p95 < TARGET.coldP95Ms,
    coldConcurrentP95: m.coldConcurrent.p95 < TARGET.coldP95Ms,
    statementsConstant:
      m.statements.cold5 === m.statements.cold50 && m.statements.warm5 === m.statements.warm50,
  };
}

type Report = {
  date: string;
  machine: { cpu: string; cores: number; memoryGiB: number; node: string; database: string; cache: string };
  data: SeededData & {
    pages: number;
    warmPages: number;
    responseKiB: number;
    predictionsPerPage: number;
  };
  settings: { runs: number; duration: number; connections: number; nodeEnv: string; analyzer: string };
  median: RunResult;
  runs: RunResult[];
};

function markdown(report: Report, verdicts: Verdicts): string {
  const { machine, data, settings, median: m, runs } = report;
  const ok = (met: boolean) => (met ? "met" : "**not met**");
  const ms = (n: number) => (Number.isNaN(n) ? "–" : n < 10 ? n.toFixed(1) : n.toFixed(0));
  const perRun = (pick: (r: RunResult) => number) => runs.map((r) => ms(pick(r))).join(" / ");
  const c = settings.connections;
  const row = (what: string, l: Latencies, reqs: string, pick: (r: RunResult) => Latencies, target: string) =>
    `| ${what}${l.cacheFailures ? `; ${l.cacheFailures} cache operations failed` : ""} | ${l.requests} | ${l.failed} | ${reqs} | ${ms(l.p50)} | ${ms(l.p95)} | ${ms(l.p99)} | ${ms(l.mean)} | ` +
    `${ms(l.serverCpuMs)} | ${perRun((r) => pick(r).p95)} | ${target} |`;
  const lines = [
    `${report.date.slice(0, 10)} · ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB · ` +
      `Node ${machine.node} (NODE_ENV=${settings.nodeEnv}) · ${machine.database} · cache: ${machine.cache}`,
    "",
    `Data: ${data.customers} customers × ${data.days} days (seed 1): ${data.purchases} purchases, ${data.items} items. ` +
      `A page is ${PAGE_SIZE} customers with about ${data.predictionsPerPage} predictions (${data.responseKiB} KiB of JSON); ` +
      `${data.pages} pages. Median of ${settings.runs} runs; load average at the start of each run: ` +
      `${runs.map((r) => r.loadAverage.toFixed(1)).join(" / ")}.`,
    "",
    "| request (first: 50) | requests | failed | req/s | p50 ms | p95 ms | p99 ms | mean ms | server CPU ms/req | p95 per run | target |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    row(
      `warm, ${c} clients, ${settings.duration} s over ${data.warmPages} cached pages` +
        (m.warm.recomputed ? `; ${m.warm.recomputed} pages recomputed` : ""),
      m.warm,
      m.warm.requestsPerSecond.toFixed(0),
      (r) => r.warm,
      `p95 < ${TARGET.warmP95Ms} ms: ${ok(verdicts.warmP95)}`,
    ),
    row(
      `cold, 1 client, each page once`,
      m.cold1,
      "–",
      (r) => r.cold1,
      `p95 < ${TARGET.coldP95Ms} ms: ${ok(verdicts.coldP95)}`,
    ),
    row(
      `cold, ${c} clients, each page once`,
      m.coldConcurrent,
      "–",
      (r) => r.coldConcurrent,
      `(p95 < ${TARGET.coldP95Ms} ms: ${ok(verdicts.coldConcurrentP95)})`,
    ),
    "",
    "| SQL statements per request | first: 5 | first: 50 | constant in page size |",
    "|---|---:|---:|---|",
    `| warm | ${m.statements.warm5} | ${m.statements.warm50} | ${ok(m.statements.warm5 === m.statements.warm50)} |`,
    `| cold | ${m.statements.cold5} | ${m.statements.cold50} | ${ok(m.statements.cold5 === m.statements.cold50)} |`,
    "",
    `Cold request statements: ${m.statements.coldStatements.map((sql) => `\`${sql}\``).join(", ")}`,
    "",
  ];
  return `${lines.join("\n")}\n`;
}

runBench(main);
