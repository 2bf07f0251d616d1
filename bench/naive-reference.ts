// npm run bench:naive [-- --customers N --days D --duration S --connections C --json] — this API
// server against the naive reference implementation (bench/naive/naive-server.ts: SDL + plain
// resolvers, one Prisma history read and one analyzer call per customer on every request) on the same
// database, with the same query over the same rotation of pages of 50 customers (issue 7):
//   ours, warm: pages already in the prediction cache, C clients (autocannon) for S seconds;
//   ours, cold: every page once, nothing cached, C clients (as bench/serving-latency.ts's cold round);
//   naive: C clients for S seconds (always "cold": it caches nothing);
//   SQL statements of one request at first: 5 and first: 50 (the naive one grows with the page: N+1).
// Before measuring, one page is checked to be the same on both servers (categories, dates, confidence
// to 1e-9); a difference fails the run. Target: ours warm ≥ 10 × the naive req/s. The database is a
// temporary SQLite file by default (DATABASE_URL=postgresql://… admin URL: a scratch database there),
// seeded here and removed afterwards.
import os from "node:os";
import pino from "pino";
import { parseCommandArgs } from "../src/cli/support/command";
import { type Config, DEFAULT_PREDICTION_CONFIG } from "../src/config";
import { fitAndStorePriors } from "../src/predictions/priors-store";
import { startNaiveServer } from "./naive/naive-server";
import {
  assertCached,
  BENCH_OPTIONS,
  benchSizes,
  cleanupStack,
  coldRound,
  describeDatabase,
  graphql,
  type Latencies,
  listPages,
  loadTest,
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

const TARGET_RATIO = 10;
/** Pages every load phase cycles through (the warm one has them all cached beforehand). */
const ROTATION_PAGES = 10;
const progress = progressTo("naive");
/** A naive page at 20 clients can take seconds: autocannon's 10 s default would count it as failed. */
const REQUEST_TIMEOUT_S = 120;

interface Phase extends Latencies {
  /** CPU time of the servers' thread per request served (Linux; NaN elsewhere). */
  serverCpuMs: number;
  /** SQL statements per request at first: 5 and first: 50. */
  statements5: number;
  statements50: number;
}

interface Counter {
  statements: number;
  /** Page reads (the customers page statement): one per request served. */
  pages: number;
  recording: string[] | undefined;
}

function counter(): Counter {
  return { statements: 0, pages: 0, recording: undefined };
}

function onQueryOf(count: Counter) {
  return (statement: string) => {
    count.statements++;
    // Raw SQL quotes with ", Prisma's SQLite queries with `.
    if (/FROM\s+([`"]\w+[`"]\.)?[`"]Customer[`"]/.test(statement) && !/[`"]Purchase/.test(statement)) {
      count.pages++;
    }
    count.recording?.push(statement);
  };
}

async function main(): Promise<void> {
  const { values } = parseCommandArgs({
    ...BENCH_OPTIONS,
  });
  const { customers, days, duration, connections } = benchSizes(values);
  const log = pino({ level: (process.env.LOG_LEVEL || "warn") as Config["logLevel"] }, pino.destination(2));
  warnUnlessProduction("bench:naive", progress);
  const cleanups = cleanupStack(progress);

  try {
    // ---- database: prepared, migrated, seeded ----
    const { target, data } = await seedBenchDatabase({
      adminUrl: process.env.DATABASE_URL,
      customers,
      days,
      cleanups,
      progress,
    });

    // ---- this project's server, as bench/serving-latency.ts runs it, with the priors fitted first ----
    const ours = counter();
    let stored: Awaited<ReturnType<typeof fitAndStorePriors>> | undefined;
    const { database, runtime, analyzer, ...server } = await startApiServer({
      databaseUrl: target.url,
      log,
      cleanups,
      onQuery: onQueryOf(ours),
      beforeRuntime: async (database) => {
        const fitStarted = performance.now();
        stored = await fitAndStorePriors(database.prisma, database.provider, {
          timeZone: DEFAULT_PREDICTION_CONFIG.timeZone,
        });
        progress(`population priors fitted in ${((performance.now() - fitStarted) / 1000).toFixed(1)} s`);
      },
    });
    if (!stored || !analyzer.version.includes(stored.priors.fingerprint.slice(0, 16))) {
      throw new Error(`our analyzer ${analyzer.version} does not use the priors just fitted`);
    }
    const oursUrl = server.url;
    const HEADERS = server.headers;

    // ---- the naive reference, on the same database ----
    const naive = counter();
    const naiveServer = await startNaiveServer({ databaseUrl: target.url, onQuery: onQueryOf(naive) });
    cleanups.push(() => naiveServer.stop());
    const naiveUrl = naiveServer.url;

    const pages = await listPages(oursUrl, HEADERS);
    const rotation = pages.slice(0, Math.min(ROTATION_PAGES, pages.length));
    const bodies = rotation.map((p) => pageBody(PAGE_SIZE, p.after));
    const allKeys = predictionKeys(
      analyzer,
      pages.flatMap((p) => p.customerIds),
    );
    const clearCache = async () => {
      for (let i = 0; i < allKeys.length; i += 500) await runtime.cache.deleteMany(allKeys.slice(i, i + 500));
      const left = (await runtime.cache.getMany(allKeys)).filter((v) => v !== undefined).length;
      if (left) throw new Error(`could not empty the prediction cache (${left} entries left)`);
    };
    const pageAt = (i: number) => pages[Math.min(i, pages.length - 1)]!;

    // ---- correctness first: one page, the same on both servers ----
    progress("checking that both servers answer the same …");
    const checkedIndex = Math.min(1, pages.length - 1);
    const checkedPage = pages[checkedIndex]!;
    await clearCache();
    const fromOurs = await graphql<PageData>(oursUrl, HEADERS, PAGE_QUERY, {
      first: PAGE_SIZE,
      after: checkedPage.after,
    });
    const fromNaive = await graphql<PageData>(naiveUrl, HEADERS, PAGE_QUERY, {
      first: PAGE_SIZE,
      after: checkedPage.after,
    });
    const checked = { page: checkedIndex + 1, ...compareAnswers(fromOurs, fromNaive) };
    progress(`same answer: ${checked.customers} customers, ${checked.predictions} predictions`);

    // ---- SQL statements per request ----
    progress("counting SQL statements per request …");
    const counted = async (url: string, count: Counter, first: number, page: Page) => {
      await runtime.analyzers.current();
      await sleep(100);
      count.recording = [];
      await graphql(url, HEADERS, PAGE_QUERY, { first, after: page.after });
      const recorded = count.recording;
      count.recording = undefined;
      return recorded;
    };
    await clearCache();
    const oursCold5 = await counted(oursUrl, ours, 5, pageAt(2));
    const oursWarm5 = await counted(oursUrl, ours, 5, pageAt(2));
    await clearCache();
    const oursCold50 = await counted(oursUrl, ours, PAGE_SIZE, pageAt(3));
    const oursWarm50 = await counted(oursUrl, ours, PAGE_SIZE, pageAt(3));
    const naive5 = await counted(naiveUrl, naive, 5, pageAt(2));
    const naive50 = await counted(naiveUrl, naive, PAGE_SIZE, pageAt(3));

    /** A timed phase, then the servers drained; CPU per request served (page reads) over both. */
    const measured = async (count: Counter, body: () => Promise<Latencies>) => {
      const cpuBefore = threadCpuMs();
      const pagesBefore = count.pages;
      const result = await body();
      await settle(() => ours.statements + naive.statements);
      return { ...result, serverCpuMs: (threadCpuMs() - cpuBefore) / (count.pages - pagesBefore) };
    };

    // ---- ours, warm ----
    progress(`ours, warm: ${connections} clients, ${duration} s over ${rotation.length} cached pages …`);
    await clearCache();
    for (const page of rotation)
      await graphql(oursUrl, HEADERS, PAGE_QUERY, { first: PAGE_SIZE, after: page.after });
    await assertCached(
      runtime,
      predictionKeys(
        analyzer,
        rotation.flatMap((p) => p.customerIds),
      ),
    );
    const load = (url: string) => () =>
      loadTest({ url, headers: HEADERS, connections, duration, bodies, timeout: REQUEST_TIMEOUT_S });
    const oursWarm: Phase = {
      ...(await measured(ours, load(oursUrl))),
      statements5: oursWarm5.length,
      statements50: oursWarm50.length,
    };

    // ---- ours, cold ----
    progress(`ours, cold: ${pages.length} pages once each, ${connections} clients, nothing cached …`);
    await clearCache();
    const oursCold: Phase = {
      ...(await measured(ours, () => coldRound(oursUrl, HEADERS, pages, connections))),
      statements5: oursCold5.length,
      statements50: oursCold50.length,
    };

    // ---- naive ----
    progress(`naive: ${connections} clients, ${duration} s over the same ${rotation.length} pages …`);
    const naivePhase: Phase = {
      ...(await measured(naive, load(naiveUrl))),
      statements5: naive5.length,
      statements50: naive50.length,
    };

    const report = {
      date: new Date().toISOString(),
      machine: { ...machine(), database: await describeDatabase(database), cache: "in-memory LRU (Keyv)" },
      data: {
        ...data,
        pageSize: PAGE_SIZE,
        pages: pages.length,
        rotationPages: rotation.length,
      },
      settings: {
        duration,
        connections,
        nodeEnv: process.env.NODE_ENV ?? "(unset)",
        analyzer: analyzer.version,
        loadAverage: os.loadavg()[0]!,
      },
      correctness: checked,
      results: { oursWarm, oursCold, naive: naivePhase },
      ratio: {
        oursWarmOverNaive: oursWarm.requestsPerSecond / naivePhase.requestsPerSecond,
        oursColdOverNaive: oursCold.requestsPerSecond / naivePhase.requestsPerSecond,
        target: TARGET_RATIO,
      },
      statements: {
        naive5: naive5.map(shorten),
        naive50Distinct: [...new Set(naive50.map(shorten))],
        oursCold50: oursCold50.map(shorten),
      },
    };
    const met = report.ratio.oursWarmOverNaive >= TARGET_RATIO;
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ ...report, targetMet: met }, null, 2)}\n`);
    } else {
      process.stdout.write(markdown(report, met));
    }
    const failed = oursWarm.failed + oursCold.failed + naivePhase.failed;
    if (failed) progress(`${failed} requests failed`);
    if (!met || failed) process.exitCode = 1;
  } finally {
    await cleanups.run();
  }
}

// ---- correctness ----

/**
 * Throws unless both answers list the same customers in the same order, each with the same set of
 * categories and, per category, equal dates and a confidence equal to 1e-9.
 */
function compareAnswers(ours: PageData, naive: PageData): { customers: number; predictions: number } {
  const a = ours.customers.edges.map((e) => e.node);
  const b = naive.customers.edges.map((e) => e.node);
  const problems: string[] = [];
  if (a.map((n) => n.id).join() !== b.map((n) => n.id).join()) {
    problems.push(
      `customers differ: ours [${a.map((n) => n.id).join()}], naive [${b.map((n) => n.id).join()}]`,
    );
  }
  let predictions = 0;
  for (const [i, mine] of a.entries()) {
    const theirs = b[i];
    if (!theirs || theirs.id !== mine.id) continue;
    const byCategory = new Map(theirs.predictions.map((p) => [p.category, p]));
    const categories = (list: typeof mine.predictions) => [...list.map((p) => p.category)].sort().join("|");
    if (
      categories(mine.predictions) !== categories(theirs.predictions) ||
      byCategory.size !== theirs.predictions.length
    ) {
      problems.push(
        `customer ${mine.id}: categories differ: ours ${mine.predictions.length}, naive ${theirs.predictions.length}`,
      );
      continue;
    }
    for (const p of mine.predictions) {
      const q = byCategory.get(p.category)!;
      predictions++;
      for (const field of ["nextPurchaseAt", "windowStart", "windowEnd"] as const) {
        if (Date.parse(p[field]) !== Date.parse(q[field])) {
          problems.push(`customer ${mine.id}, ${p.category}: ${field} ours ${p[field]}, naive ${q[field]}`);
        }
      }
      if (!(Math.abs(p.confidence - q.confidence) <= 1e-9)) {
        problems.push(
          `customer ${mine.id}, ${p.category}: confidence ours ${p.confidence}, naive ${q.confidence}`,
        );
      }
    }
  }
  if (!a.length || !predictions)
    problems.push(`nothing to compare (${a.length} customers, ${predictions} predictions)`);
  if (problems.length) {
    throw new Error(
      `the two servers disagree (${problems.length} differences):\n  ${problems.slice(0, 20).join("\n  ")}`,
    );
  }
  return { customers: a.length, predictions };
}

// ---- report ----

type Report = {
  date: string;
  machine: { cpu: string; cores: number; memoryGiB: number; node: string; database: string; cache: string };
  data: SeededData & {
    pages: number;
    rotationPages: number;
  };
  settings: { duration: number; connections: number; nodeEnv: string; analyzer: string; loadAverage: number };
  correctness: { page: number; customers: number; predictions: number };
  results: { oursWarm: Phase; oursCold: Phase; naive: Phase };
  ratio: { oursWarmOverNaive: number; oursColdOverNaive: number; target: number };
};

function markdown(report: Report, met: boolean): string {
  const { machine: m, data, settings, results, ratio } = report;
  const ms = (n: number) => (Number.isNaN(n) ? "–" : n < 10 ? n.toFixed(1) : n.toFixed(0));
  const rps = (n: number) => (n < 10 ? n.toFixed(1) : n.toFixed(0));
  const c = settings.connections;
  const row = (what: string, p: Phase, vsNaive: string) =>
    `| ${what} | ${p.requests} | ${p.failed} | ${rps(p.requestsPerSecond)} | ${ms(p.p50)} | ${ms(p.p95)} | ${ms(p.p99)} | ` +
    `${ms(p.serverCpuMs)} | ${p.statements5} | ${p.statements50} | ${vsNaive} |`;
  const lines = [
    `${report.date.slice(0, 10)} · ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB · ` +
      `Node ${m.node} (NODE_ENV=${settings.nodeEnv}) · ${m.database} · cache: ${m.cache} · ` +
      `load average ${settings.loadAverage.toFixed(1)}`,
    "",
    `Data: ${data.customers} customers × ${data.days} days (seed 1): ${data.purchases} purchases, ${data.items} items; ` +
      `${data.pages} pages of ${PAGE_SIZE}. Load phases: ${c} clients, ${settings.duration} s, rotating over ` +
      `${data.rotationPages} pages. Correctness: page ${report.correctness.page} identical on both servers ` +
      `(${report.correctness.customers} customers, ${report.correctness.predictions} predictions).`,
    "",
    "| first: 50 | requests | failed | req/s | p50 ms | p95 ms | p99 ms | server CPU ms/req | SQL/req first: 5 | SQL/req first: 50 | req/s vs naive |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    row(
      `ours, warm (${data.rotationPages} cached pages)`,
      results.oursWarm,
      `${ratio.oursWarmOverNaive.toFixed(1)} ×`,
    ),
    row(
      `ours, cold (${data.pages} pages once each, nothing cached)`,
      results.oursCold,
      `${ratio.oursColdOverNaive.toFixed(1)} ×`,
    ),
    row("naive (SDL + resolvers, per-customer Prisma read + analyze)", results.naive, "1 ×"),
    "",
    `Ours warm / naive req/s: **${ratio.oursWarmOverNaive.toFixed(1)} ×** (target ≥ ${ratio.target} ×: ${met ? "met" : "**not met**"}).`,
    "",
  ];
  return `${lines.join("\n")}\n`;
}

runBench(main);
