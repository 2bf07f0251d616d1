// npm run bench:limits [-- --customers N --days D --pages P --duration S --connections C --json] —
// the machine's limits for the serving benchmark's query, next to this server warm (issue 7):
//   customers(first: 50, after: $after) { edges { node { id predictions { category nextPurchaseAt
//   windowStart windowEnd confidence } } } }
// 1. Seeds a temporary SQLite database (seed 1, like bench:serving), starts the real API server
//    in-process (port 0, production settings, READ key), warms the prediction cache with P pages and
//    captures their JSON responses: "the same JSON bytes" every phase below serves.
// 2. ours, warm: the real server, C autocannon connections (in a worker thread) for S seconds.
// 3. graphql-js limit: the server's types (buildApiSchema, printed and rebuilt with graphql's
//    buildSchema) with graphql-js's default resolvers over the captured pages held in memory (no
//    HTTP, no database, no cache lookups, no context). Parse and validate once, then `execute` in a
//    loop on this thread for S seconds; again with JSON.stringify of each result.
// 4. node:http limit: a bare node:http server (port 0) answering each POST with the captured bytes of
//    the page its body asks for (the body is parsed; the answers are precomputed Buffers), same
//    autocannon settings and request bodies.
// Exit code 1 when ours (warm) is below 35 % of the graphql-js limit that includes JSON.stringify (what
// a server must do); the share of the execute-only limit is printed too.
import http from "node:http";
import os from "node:os";
import { buildSchema, type DocumentNode, execute, parse, printSchema, validate } from "graphql";
import pino from "pino";
import { KeyRing } from "../src/auth/api-keys";
import { intOption, parseCommandArgs } from "../src/cli/support/command";
import { buildApiSchema } from "../src/graphql/schema";
import * as harness from "./support/serving-harness";
import {
  BENCH_OPTIONS,
  benchSizes,
  cleanupStack,
  type Latencies,
  listPages,
  machine,
  PAGE_QUERY,
  PAGE_SIZE,
  pageBody,
  progressTo,
  runBench,
  type SeededData,
  seedBenchDatabase,
  startApiServer,
  summarise,
  warnUnlessProduction,
} from "./support/serving-harness";

/** Issue 7: ours (warm) req/s at least this share of the graphql-js limit. */
const TARGET_SHARE = 0.35;
const progress = progressTo("limits");

/** Requests (or executions) measured, with the rate named perSecond. */
type Timing = Omit<Latencies, "requestsPerSecond"> & { perSecond: number };

interface CapturedPage {
  after: string | null;
  /** The request body every HTTP phase sends for this page. */
  body: string;
  /** The server's answer, byte for byte. */
  bytes: Buffer;
  /** The answer's `data`, parsed: what the graphql-js phase resolves from. */
  data: { customers: unknown };
  predictions: number;
}

async function main(): Promise<void> {
  const { values } = parseCommandArgs({
    ...BENCH_OPTIONS,
    pages: { type: "string" },
  });
  const { customers, days, duration, connections } = benchSizes(values);
  const pageCount = intOption("--pages", values.pages, { min: 1, max: 100, fallback: 10 });
  warnUnlessProduction("bench:limits", progress);
  const log = pino({ level: process.env.LOG_LEVEL || "warn" }, process.stderr);
  const cleanups = cleanupStack(progress);

  try {
    // ---- 1. data: a temporary SQLite file, seeded as bench:serving does; the server as it runs it ----
    const { target, data } = await seedBenchDatabase({
      adminUrl: undefined,
      customers,
      days,
      cleanups,
      progress,
    });
    const server = await startApiServer({
      databaseUrl: target.url,
      log,
      cleanups,
      cacheNamespacePrefix: "cai-limits-",
    });
    const { url: apiUrl, headers } = server;

    progress(`warming and capturing ${pageCount} pages of ${PAGE_SIZE} …`);
    const pages = await capturePages(apiUrl, headers, pageCount);
    const bodies = pages.map((p) => p.body);
    const responseBytes = Math.round(pages.reduce((n, p) => n + p.bytes.length, 0) / pages.length);
    const predictionsPerPage = Math.round(pages.reduce((n, p) => n + p.predictions, 0) / pages.length);

    // ---- 2. ours, warm ----
    progress(`ours (warm): ${connections} connections, ${duration} s …`);
    const ours = await loadTest({ url: apiUrl, connections, duration, bodies, headers });
    await server.stop();

    // ---- 4. plain node:http with the captured bytes ----
    const plain = await startPlainServer(pages);
    cleanups.push(plain.close);
    progress(`node:http: ${connections} connections, ${duration} s …`);
    const nodeHttp = await loadTest({ url: plain.url, connections, duration, bodies, headers });
    await plain.close();

    // ---- 3. graphql-js in-process ----
    progress(`graphql-js execute: ${duration} s …`);
    const engine = await graphqlEngine(pages);
    const executeOnly = engine.run(duration, false);
    progress(`graphql-js execute + JSON.stringify: ${duration} s …`);
    const executeStringify = engine.run(duration, true);

    const report = {
      date: new Date().toISOString(),
      machine: {
        ...machine(),
        graphql: require("graphql/package.json").version as string,
        loadAverage: os.loadavg()[0]!,
      },
      data: {
        ...data,
        pages: pages.length,
        pageSize: PAGE_SIZE,
        responseKiB: Math.round(responseBytes / 1024),
        predictionsPerPage,
        graphqlJsMatchesCapturedBytes: engine.matches,
      },
      settings: { duration, connections, nodeEnv: process.env.NODE_ENV ?? "(unset)" },
      results: { ours, graphqlExecute: executeOnly, graphqlExecuteStringify: executeStringify, nodeHttp },
      ratios: {
        oursOfGraphqlExecute: ours.perSecond / executeOnly.perSecond,
        oursOfGraphqlExecuteStringify: ours.perSecond / executeStringify.perSecond,
        oursOfNodeHttp: ours.perSecond / nodeHttp.perSecond,
      },
      target: {
        share: TARGET_SHARE,
        met: ours.perSecond / executeStringify.perSecond >= TARGET_SHARE,
      },
    };
    if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else process.stdout.write(markdown(report));
    if (!report.target.met) process.exitCode = 1;
  } finally {
    await cleanups.run();
  }
}

// ---- capture ----

async function post(url: string, headers: Record<string, string>, body: string): Promise<Buffer> {
  const response = await fetch(url, { method: "POST", headers, body });
  const bytes = Buffer.from(await response.arrayBuffer());
  if (response.status !== 200 || bytes.includes('"errors"')) {
    throw new Error(`GraphQL request failed (${response.status}): ${bytes.toString("utf8").slice(0, 300)}`);
  }
  return bytes;
}

/** The first `count` pages: each asked for once to fill the cache, then captured warm. */
async function capturePages(
  url: string,
  headers: Record<string, string>,
  count: number,
): Promise<CapturedPage[]> {
  const cursors = (await listPages(url, headers)).slice(0, count).map((p) => p.after);
  const pages: CapturedPage[] = [];
  for (const cursor of cursors) {
    const body = pageBody(PAGE_SIZE, cursor);
    await post(url, headers, body); // computes and caches the page
    const bytes = await post(url, headers, body); // served from the cache
    const parsed = JSON.parse(bytes.toString("utf8")) as {
      data: { customers: { edges: Array<{ node: { predictions: unknown[] } }> } };
    };
    pages.push({
      after: cursor,
      body,
      bytes,
      data: parsed.data,
      predictions: parsed.data.customers.edges.reduce((n, e) => n + e.node.predictions.length, 0),
    });
  }
  return pages;
}

// ---- graphql-js ----

/**
 * The server's types (printed from buildApiSchema and rebuilt without its resolvers), resolved by
 * graphql-js's default resolvers from the captured pages in memory.
 */
async function graphqlEngine(pages: readonly CapturedPage[]) {
  const keys = new KeyRing({ read: [], ingest: [], admin: [] }, { anonymousReads: true });
  const schema = buildSchema(printSchema(await buildApiSchema(keys)));
  const document: DocumentNode = parse(PAGE_QUERY);
  const errors = validate(schema, document);
  if (errors.length) throw new Error(`the page query does not validate: ${errors[0]!.message}`);
  const byCursor = new Map(pages.map((p) => [p.after ?? "", p.data.customers]));
  const rootValue = { customers: ({ after }: { after?: string | null }) => byCursor.get(after ?? "") };
  const variables = pages.map((p) => ({ first: PAGE_SIZE, after: p.after }));
  const once = (i: number) => {
    const result = execute({ schema, document, rootValue, variableValues: variables[i % variables.length] });
    if (result instanceof Promise)
      throw new Error("execute returned a promise: the resolvers must be synchronous");
    if (result.errors?.length) throw new Error(`execute failed: ${result.errors[0]!.message}`);
    return result;
  };
  const matches = pages.every((p, i) => JSON.stringify(once(i)) === p.bytes.toString("utf8").trimEnd());
  if (!matches)
    progress("note: graphql-js's JSON differs from the captured bytes (compare them before trusting)");
  return {
    matches,
    /** execute (optionally + JSON.stringify) in a loop for `seconds`, after a 1 s warm-up. */
    run(seconds: number, stringify: boolean): Timing {
      let sink = 0;
      const step = (i: number) => {
        const result = once(i);
        if (stringify) sink += JSON.stringify(result).length;
      };
      for (let i = 0, until = performance.now() + 1_000; performance.now() < until; i++) step(i);
      const times: number[] = [];
      const started = performance.now();
      const until = started + seconds * 1_000;
      for (let i = 0; ; i++) {
        const t0 = performance.now();
        if (t0 >= until) break;
        step(i);
        times.push(performance.now() - t0);
      }
      const elapsed = (performance.now() - started) / 1_000;
      if (sink < 0) progress("unreachable");
      return timing(summarise(times, 0, elapsed));
    },
  };
}

// ---- plain node:http ----

async function startPlainServer(
  pages: readonly CapturedPage[],
): Promise<{ url: string; close(): Promise<void> }> {
  const byCursor = new Map(pages.map((p) => [p.after ?? "", p.bytes]));
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      let bytes: Buffer | undefined;
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
          variables?: { after?: string | null };
        };
        bytes = byCursor.get(body.variables?.after ?? "");
      } catch {
        bytes = undefined;
      }
      if (!bytes) {
        res
          .writeHead(400, { "content-type": "application/json" })
          .end('{"errors":[{"message":"unknown page"}]}');
        return;
      }
      res.writeHead(200, { "content-type": "application/json", "content-length": bytes.length }).end(bytes);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  let closed = false;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    close: async () => {
      if (closed) return;
      closed = true;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---- load and statistics (the harness's, with the rate named perSecond as this report has it) ----

function timing({ requestsPerSecond, ...latencies }: Latencies): Timing {
  return { ...latencies, perSecond: requestsPerSecond };
}

async function loadTest(options: harness.LoadTestOptions): Promise<Timing> {
  return timing(await harness.loadTest(options));
}

interface Report {
  date: string;
  machine: {
    cpu: string;
    cores: number;
    memoryGiB: number;
    node: string;
    graphql: string;
    loadAverage: number;
  };
  data: SeededData & {
    pages: number;
    responseKiB: number;
    predictionsPerPage: number;
    graphqlJsMatchesCapturedBytes: boolean;
  };
  settings: { duration: number; connections: number; nodeEnv: string };
  results: { ours: Timing; graphqlExecute: Timing; graphqlExecuteStringify: Timing; nodeHttp: Timing };
  ratios: { oursOfGraphqlExecute: number; oursOfGraphqlExecuteStringify: number; oursOfNodeHttp: number };
  target: { share: number; met: boolean };
}

function markdown(report: Report): string {
  const { machine, data, settings, results: r } = report;
  const ms = (n: number) =>
    Number.isNaN(n) ? "–" : n < 1 ? n.toFixed(2) : n < 10 ? n.toFixed(1) : n.toFixed(0);
  const share = (limit: Timing) => `${((100 * r.ours.perSecond) / limit.perSecond).toFixed(0)} %`;
  const c = settings.connections;
  const row = (what: string, t: Timing, ofLimit: string) =>
    `| ${what} | ${t.requests} | ${t.failed} | ${t.perSecond.toFixed(0)} | ${ms(t.p50)} | ${ms(t.p95)} | ${ms(t.p99)} | ${ofLimit} |`;
  const lines = [
    `${report.date.slice(0, 10)} · ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB · ` +
      `Node ${machine.node} (NODE_ENV=${settings.nodeEnv}) · graphql ${machine.graphql} · ` +
      `load average ${machine.loadAverage.toFixed(1)} at the end`,
    "",
    `Data: ${data.customers} customers × ${data.days} days (seed 1): ${data.purchases} purchases, ${data.items} items. ` +
      `${data.pages} pages of ${PAGE_SIZE} customers, about ${data.predictionsPerPage} predictions and ` +
      `${data.responseKiB} KiB of JSON each; graphql-js's output ${data.graphqlJsMatchesCapturedBytes ? "equals" : "**differs from**"} the captured bytes.`,
    "",
    `| ${settings.duration} s each | requests | failed | per s | p50 ms | p95 ms | p99 ms | ours warm as % of it |`,
    "|---|---:|---:|---:|---:|---:|---:|---:|",
    row(`ours, warm (HTTP, ${c} connections)`, r.ours, "–"),
    row(
      "graphql-js execute (in-process, 1 thread)",
      r.graphqlExecute,
      `${share(r.graphqlExecute)} (≥ ${(100 * report.target.share).toFixed(0)} %: ${report.ratios.oursOfGraphqlExecute >= report.target.share ? "yes" : "no"})`,
    ),
    row(
      "graphql-js execute + JSON.stringify",
      r.graphqlExecuteStringify,
      `${share(r.graphqlExecuteStringify)} (target ≥ ${(100 * report.target.share).toFixed(0)} %: ${report.target.met ? "met" : "**not met**"})`,
    ),
    row(`node:http, captured bytes (${c} connections)`, r.nodeHttp, share(r.nodeHttp)),
    "",
  ];
  return `${lines.join("\n")}\n`;
}

runBench(main);
