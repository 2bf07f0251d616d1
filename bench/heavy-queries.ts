// npm run bench:heavy [-- --customers N --days D --clients C --duration S --json]
// Issue 15 item 5: the heaviest queries the limits allow. On a database seeded with long histories
// (N customers × D days, seed 1; a temporary SQLite file, or a scratch database on the PostgreSQL
// server DATABASE_URL names), against the API server in a process of its own (npm start's flags):
//   1. the former worst query is refused (QUERY_TOO_COMPLEX) before any work;
//   2. each of the heaviest allowed shapes, alone, 5 times: the server's CPU per request (from
//      /proc/<pid>/stat), its wall time and its answer's size;
//   3. C clients (default 8) send the shape that costs the most CPU back to back for S seconds while
//      one more client asks GET /healthz every 100 ms: /healthz latencies (goal: all within 1 s).
// Prints a markdown table (or --json); exits with 1 when the goal is missed or a check fails.
import os from "node:os";
import { intOption, parseCommandArgs } from "../src/cli/support/command";
import { MAX_RESPONSE_BYTES } from "../src/graphql/response-size";
import { startServerProcess } from "./support/server-process-client";
import {
  cleanupStack,
  machine,
  processCpuMs,
  progressTo,
  runBench,
  seedBenchDatabase,
  summarise,
  warnUnlessProduction,
} from "./support/serving-harness";
import { median } from "./support/stats";

/** The goal: /healthz answers within this while the heavy queries run. */
const HEALTHZ_GOAL_MS = 1_000;
const HEALTHZ_EVERY_MS = 100;
const RUNS_ALONE = 5;

const PREDICTION_FIELDS =
  "category usualProducts { sku name share } nextPurchaseAt windowStart windowEnd confidence intervalDays lastPurchasedAt overdue reason source model generatedAt expiresAt cached";
const DETAILS = "id purchasedAt storeId total items { id quantity amount product { id sku name category } }";
const lines = (first: number) =>
  `{ customers(first: ${first}) { edges { node { purchases(last: 100) { items { product { name } } } } } } }`;

/** The former worst query, then the heaviest shapes the limits allow now (each near the ceiling). */
const FORMER_WORST = lines(100);
const SHAPES: ReadonlyArray<{ name: string; query: string }> = [
  { name: "lines: 4 customers × 100 purchases × their lines' product names", query: lines(4) },
  {
    name: "history: 19 customers × 20 purchases with lines and products (CustomersWithHistory)",
    query: `{ customers(first: 19) { edges { node { id purchases(last: 20) { ${DETAILS} } } } } }`,
  },
  {
    name: "predictions: 100 customers × every prediction field and insights (CustomersWithInsights), warm",
    query: `{ customers(first: 100) { edges { node { id predictions { ${PREDICTION_FIELDS} } insights } } } }`,
  },
];

interface ShapeResult {
  name: string;
  cpuMs: number;
  wallMs: number;
  bytes: number;
}

interface LoadResult {
  shape: string;
  clients: number;
  seconds: number;
  queries: number;
  failed: number;
  queryP50Ms: number;
  healthz: { samples: number; p50: number; p95: number; max: number };
}

const progress = progressTo("heavy");

async function main(): Promise<void> {
  const { values } = parseCommandArgs({
    customers: { type: "string" },
    days: { type: "string" },
    clients: { type: "string" },
    duration: { type: "string" },
    json: { type: "boolean" },
  });
  const customers = intOption("--customers", values.customers, { min: 100, max: 100_000, fallback: 120 });
  const days = intOption("--days", values.days, { min: 365, max: 3_650, fallback: 1_000 });
  const clients = intOption("--clients", values.clients, { min: 1, max: 64, fallback: 8 });
  const seconds = intOption("--duration", values.duration, { min: 5, max: 600, fallback: 20 });
  warnUnlessProduction("bench:heavy", progress);
  const cleanups = cleanupStack(progress);
  try {
    const { target, data } = await seedBenchDatabase({
      adminUrl: process.env.DATABASE_URL,
      customers,
      days,
      cleanups,
      progress,
    });
    const server = await startServerProcess({ databaseUrl: target.url, cleanups });
    const cpu = () => processCpuMs(server.pid);
    if (Number.isNaN(cpu())) throw new Error("this benchmark reads the server's CPU time from /proc (Linux)");
    const post = (query: string) => postQuery(server.url, server.headers, query);

    const refused = await post(FORMER_WORST);
    const refusedCode = /"code":"(\w+)"/.exec(refused.text)?.[1];
    progress(`former worst query: HTTP ${refused.status} ${refusedCode ?? ""}`);

    const alone: ShapeResult[] = [];
    for (const shape of SHAPES) {
      await post(shape.query); // warms the caches (predictions, products) and the query plans
      const cpuMs: number[] = [];
      const wallMs: number[] = [];
      let bytes = 0;
      for (let run = 0; run < RUNS_ALONE; run++) {
        const before = cpu();
        const started = performance.now();
        const answer = await post(shape.query);
        wallMs.push(performance.now() - started);
        cpuMs.push(cpu() - before);
        if (answer.status !== 200 || answer.text.includes('"errors"')) {
          throw new Error(`${shape.name}: HTTP ${answer.status}: ${answer.text.slice(0, 300)}`);
        }
        bytes = Buffer.byteLength(answer.text);
      }
      const result = { name: shape.name, cpuMs: median(cpuMs), wallMs: median(wallMs), bytes };
      progress(`${shape.name}: ${result.cpuMs.toFixed(0)} ms CPU, ${(bytes / 1e6).toFixed(2)} MB`);
      alone.push(result);
    }

    const heaviest = [...alone].sort((a, b) => b.cpuMs - a.cpuMs)[0]!;
    const query = SHAPES.find((s) => s.name === heaviest.name)!.query;
    progress(
      `${clients} clients × "${heaviest.name}" for ${seconds} s, /healthz every ${HEALTHZ_EVERY_MS} ms …`,
    );
    const load = await underLoad(server.url, server.headers, query, clients, seconds);
    const report = {
      machine: { ...machine(), loadAverage: os.loadavg().map((l) => Number(l.toFixed(1))) },
      data,
      database: target.label,
      formerWorst: { status: refused.status, code: refusedCode },
      alone,
      load: { shape: heaviest.name, ...load },
      maxResponseBytes: MAX_RESPONSE_BYTES,
    };
    const problems = [
      ...(refused.status === 400 && refusedCode === "QUERY_TOO_COMPLEX"
        ? []
        : [`the former worst query was not refused (HTTP ${refused.status} ${refusedCode ?? ""})`]),
      ...(load.failed ? [`${load.failed} heavy queries failed under load`] : []),
      ...(load.healthz.max <= HEALTHZ_GOAL_MS
        ? []
        : [`/healthz took up to ${load.healthz.max.toFixed(0)} ms (goal: within ${HEALTHZ_GOAL_MS} ms)`]),
    ];
    process.stdout.write(
      values.json ? `${JSON.stringify({ ...report, problems }, null, 2)}\n` : markdown(report),
    );
    for (const problem of problems) progress(`MISSED: ${problem}`);
    if (problems.length) process.exitCode = 1;
    await server.stop([]);
  } finally {
    await cleanups.run();
  }
}

async function postQuery(url: string, headers: Record<string, string>, query: string) {
  const response = await fetch(url, { method: "POST", headers, body: JSON.stringify({ query }) });
  return { status: response.status, text: await response.text() };
}

/** `clients` loops of the query and one /healthz prober, for `seconds`. */
async function underLoad(
  url: string,
  headers: Record<string, string>,
  query: string,
  clients: number,
  seconds: number,
): Promise<Omit<LoadResult, "shape">> {
  const until = performance.now() + seconds * 1_000;
  const queryMs: number[] = [];
  let failed = 0;
  const loop = async () => {
    while (performance.now() < until) {
      const started = performance.now();
      const answer = await postQuery(url, headers, query).catch(() => ({ status: 0, text: "" }));
      queryMs.push(performance.now() - started);
      if (answer.status !== 200) failed++;
    }
  };
  const healthzMs: number[] = [];
  const healthzUrl = new URL("/healthz", url).toString();
  const probe = async () => {
    // Let the heavy queries start first.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    while (performance.now() < until) {
      const started = performance.now();
      const response = await fetch(healthzUrl);
      await response.text();
      healthzMs.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, HEALTHZ_EVERY_MS));
    }
  };
  await Promise.all([...Array.from({ length: clients }, loop), probe()]);
  const healthz = summarise(healthzMs, 0, seconds);
  return {
    clients,
    seconds,
    queries: queryMs.length,
    failed,
    queryP50Ms: median(queryMs),
    healthz: { samples: healthz.requests, p50: healthz.p50, p95: healthz.p95, max: Math.max(...healthzMs) },
  };
}

function markdown(report: {
  machine: ReturnType<typeof machine> & { loadAverage: number[] };
  data: { customers: number; days: number; purchases: number; items: number };
  database: string;
  formerWorst: { status: number; code: string | undefined };
  alone: ShapeResult[];
  load: LoadResult;
  maxResponseBytes: number;
}): string {
  const { data, load } = report;
  const rows = report.alone.map(
    (s) => `| ${s.name} | ${s.cpuMs.toFixed(0)} | ${s.wallMs.toFixed(0)} | ${(s.bytes / 1e6).toFixed(2)} |`,
  );
  return [
    `Machine: ${report.machine.cpu}, ${report.machine.cores} cores, Node ${report.machine.node}, load average ` +
      `${report.machine.loadAverage.join(" / ")} at the end. ${report.database}, ${data.customers} customers × ${data.days} days ` +
      `(${data.purchases} purchases, ${data.items} lines).`,
    "",
    `Former worst query (customers(first: 100) × purchases(last: 100) × lines' product names): HTTP ${report.formerWorst.status} ${report.formerWorst.code ?? ""}.`,
    "",
    `| heaviest allowed shape, alone (median of ${RUNS_ALONE}) | server CPU ms | wall ms | MB (limit ${(report.maxResponseBytes / 1e6).toFixed(1)}) |`,
    "|---|---|---|---|",
    ...rows,
    "",
    `${load.clients} clients × "${load.shape}" for ${load.seconds} s: ${load.queries} answered (${load.failed} failed), ` +
      `p50 ${load.queryP50Ms.toFixed(0)} ms. /healthz (${load.healthz.samples} samples): p50 ${load.healthz.p50.toFixed(0)} ms, ` +
      `p95 ${load.healthz.p95.toFixed(0)} ms, max ${load.healthz.max.toFixed(0)} ms (goal: within ${HEALTHZ_GOAL_MS} ms).`,
    "",
  ].join("\n");
}

runBench(main);
