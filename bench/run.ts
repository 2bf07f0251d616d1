// npm run bench [-- --only PHASES --runs R --customers N --days D --duration S --connections C
//   --pages P --samples K --rss-seconds T --bedrock-customers B --bedrock-latency MS
//   --bedrock-concurrency 2,4,8 --cpu-profile DIR --json]
// Issue 7's benchmark: every phase in one run, on one database seeded once (N customers × D days,
// seed 1; a temporary SQLite file, or with DATABASE_URL=postgresql://… an admin URL, a scratch
// database created there and dropped; REDIS_URL puts the server's cache in Redis under a random
// namespace). Phases, in this order (each a function in bench/phases/):
//   serving  this server warm and cold, SQL statements per request            ┐ per run
//   naive    the naive reference (Apollo + Prisma, N+1, analysis per request)  │ (read-only,
//   limits   graphql-js in memory, bare node:http with the same bytes           ┘ first)
//   rss      a server process of its own: its RSS every second over T s of warm load (once)
//   write    recordPurchase throughput, freshness right after a purchase      per run (adds purchases)
//   refresh  the refresh CLI (statistical) as a child process: customers/s, peak RSS     per run
//   bedrock  the refresh CLI with ANALYZER=bedrock against the fake Bedrock Runtime, per
//            concurrency, on its own B-customer database                                 per run
// Prints the median of R runs as markdown (or --json), then exits with 1 when a target is missed or
// a check failed. bench:serving, bench:naive, bench:limits and bench:write are this with --only.
import { execFileSync } from "node:child_process";
import os from "node:os";
import { intOption, parseCommandArgs, UsageError } from "../src/cli/support/command";
import { type BedrockBench, prepareBedrock, refreshRun } from "./phases/batch";
import {
  type BenchOptions,
  machineDescription,
  type ServingContext,
  servingContext,
  sqlCounter,
} from "./phases/context";
import { type Limits, prepareLimits } from "./phases/limits";
import { type NaiveReference, naiveRun, startNaiveReference } from "./phases/naive";
import { type RssStability, rssStability } from "./phases/rss";
import { servingRun } from "./phases/serving";
import { writeRun } from "./phases/write";
import { judge, markdown, problems, type Report, type RunResult } from "./report";
import {
  BENCH_OPTIONS,
  benchSizes,
  cleanupStack,
  progressTo,
  runBench,
  seedBenchDatabase,
  warnUnlessProduction,
} from "./support/serving-harness";
import { medianOf } from "./support/stats";

const PHASES = ["serving", "naive", "limits", "rss", "write", "refresh", "bedrock"] as const;
type PhaseName = (typeof PHASES)[number];
const SERVER_PHASES: readonly PhaseName[] = ["serving", "naive", "limits", "rss", "write"];
const progress = progressTo("run");

function parseOptions() {
  const { values } = parseCommandArgs({
    ...BENCH_OPTIONS,
    only: { type: "string" },
    runs: { type: "string" },
    pages: { type: "string" },
    samples: { type: "string" },
    "rss-seconds": { type: "string" },
    "bedrock-customers": { type: "string" },
    "bedrock-latency": { type: "string" },
    "bedrock-concurrency": { type: "string" },
    "cpu-profile": { type: "string" },
  });
  const phases = values.only ? values.only.split(",").map((p) => p.trim()) : [...PHASES];
  const unknown = phases.filter((p) => !(PHASES as readonly string[]).includes(p));
  if (unknown.length || !phases.length) {
    throw new UsageError(`--only: expected some of ${PHASES.join(",")}, got ${JSON.stringify(values.only)}`);
  }
  const concurrency = (values["bedrock-concurrency"] ?? "2,4,8")
    .split(",")
    .map((c) => intOption("--bedrock-concurrency", c.trim(), { min: 1, max: 64 }));
  const options: BenchOptions = {
    ...benchSizes(values),
    runs: intOption("--runs", values.runs, { min: 1, max: 20, fallback: 3 }),
    rotationPages: intOption("--pages", values.pages, { min: 1, max: 100, fallback: 10 }),
    samples: intOption("--samples", values.samples, { min: 1, max: 10_000, fallback: 200 }),
    rssSeconds: intOption("--rss-seconds", values["rss-seconds"], { min: 5, max: 3_600, fallback: 60 }),
    bedrockCustomers: intOption("--bedrock-customers", values["bedrock-customers"], {
      min: 10,
      max: 10_000,
      fallback: 100,
    }),
    bedrockLatencyMs: intOption("--bedrock-latency", values["bedrock-latency"], {
      min: 1,
      max: 60_000,
      fallback: 800,
    }),
    bedrockConcurrency: concurrency,
    cpuProfile: values["cpu-profile"],
  };
  return { options, phases: PHASES.filter((p) => phases.includes(p)), json: values.json ?? false };
}

function commit(): string {
  try {
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain"], { encoding: "utf8" }).trim();
    return dirty ? `${head} plus uncommitted changes` : head;
  } catch {
    return "unknown";
  }
}

async function main(): Promise<void> {
  const { options, phases, json } = parseOptions();
  const has = (phase: PhaseName) => phases.includes(phase);
  warnUnlessProduction("bench", progress);
  const cleanups = cleanupStack(progress);
  const adminUrl = process.env.DATABASE_URL || undefined;
  const loadStart = os.loadavg();
  const started = performance.now();
  const runs: RunResult[] = Array.from({ length: options.runs }, () => ({ loadAverage: Number.NaN }));
  const runLabel = (run: number) => `run ${run}/${options.runs}`;
  const startRun = (run: number) => {
    if (Number.isNaN(runs[run - 1]!.loadAverage)) runs[run - 1]!.loadAverage = os.loadavg()[0]!;
  };

  try {
    let ctx: ServingContext | undefined;
    let naive: NaiveReference | undefined;
    let limits: Limits | undefined;
    let rss: RssStability | undefined;
    let bedrock: BedrockBench | undefined;
    let databaseUrl: string | undefined;
    let seededData: Awaited<ReturnType<typeof seedBenchDatabase>>["data"] | undefined;

    if (phases.some((p) => SERVER_PHASES.includes(p) || p === "refresh")) {
      const { target, data } = await seedBenchDatabase({
        adminUrl,
        customers: options.customers,
        days: options.days,
        cleanups,
        progress,
      });
      databaseUrl = target.url;
      seededData = data;
      if (phases.some((p) => SERVER_PHASES.includes(p))) {
        const naiveSql = sqlCounter();
        ctx = await servingContext({
          options,
          progress,
          cleanups,
          target,
          data,
          otherStatements: () => naiveSql.statements,
        });
        if (has("naive")) naive = await startNaiveReference(ctx, naiveSql);
        if (has("limits")) limits = await prepareLimits(ctx);
      }
    }

    // Read-only phases first, so every run of them sees the data as seeded.
    if (ctx) {
      for (let run = 1; run <= options.runs; run++) {
        startRun(run);
        const r = runs[run - 1]!;
        if (has("serving")) r.serving = await servingRun(ctx, run, runLabel(run));
        if (naive) r.naive = await naiveRun(ctx, naive, run, runLabel(run));
        if (limits) r.limits = await limits.run(runLabel(run));
      }
      if (has("rss")) rss = await rssStability(ctx);
      if (has("write")) {
        for (let run = 1; run <= options.runs; run++) {
          startRun(run);
          runs[run - 1]!.write = await writeRun(ctx, run, runLabel(run));
        }
      }
      // The refresh CLI gets the cores to itself.
      await ctx.api.stop();
    }
    if (has("refresh") && databaseUrl) {
      for (let run = 1; run <= options.runs; run++) {
        startRun(run);
        runs[run - 1]!.refresh = await refreshRun(databaseUrl, progress, runLabel(run));
      }
    }
    if (has("bedrock")) {
      bedrock = await prepareBedrock({
        adminUrl,
        customers: options.bedrockCustomers,
        days: options.days,
        latencyMs: options.bedrockLatencyMs,
        concurrency: options.bedrockConcurrency,
        cleanups,
        progress,
      });
      for (let run = 1; run <= options.runs; run++) {
        startRun(run);
        runs[run - 1]!.bedrock = await bedrock.run(runLabel(run));
      }
    }
    progress(`done in ${((performance.now() - started) / 60_000).toFixed(1)} min`);

    const m = machineDescription();
    const report: Report = {
      date: new Date().toISOString(),
      commit: commit(),
      machine: {
        cpu: m.cpu,
        cores: m.cores,
        memoryGiB: m.memoryGiB,
        node: m.node,
        loadAverage: { start: loadStart, end: m.loadAverage },
        ...(ctx ? { database: ctx.database, cache: ctx.cache } : {}),
        graphql: require("graphql/package.json").version as string,
      },
      ...(ctx && seededData
        ? {
            data: {
              ...seededData,
              pages: ctx.pages.length,
              rotationPages: ctx.rotation.length,
              responseKiB: Math.round(ctx.response.bytes / 1024),
              predictionsPerPage: ctx.response.predictions,
              ...(limits ? { graphqlJsMatchesCapturedBytes: limits.graphqlJsMatches } : {}),
              ...(naive ? { naiveCheckedPage: naive.checked } : {}),
            },
          }
        : {}),
      settings: {
        phases: [...phases],
        runs: options.runs,
        duration: options.duration,
        connections: options.connections,
        nodeEnv: process.env.NODE_ENV ?? "(unset)",
        ...(ctx ? { analyzer: ctx.api.analyzer.version } : {}),
        ...(bedrock
          ? {
              bedrock: {
                customers: bedrock.customers,
                days: options.days,
                latencyMs: bedrock.latencyMs,
                concurrency: options.bedrockConcurrency,
              },
            }
          : {}),
      },
      median: medianOf(runs),
      runs,
      ...(rss ? { rss } : {}),
    };
    const verdicts = judge(report);
    const issues = problems(report);
    if (json)
      process.stdout.write(
        `${JSON.stringify({ ...report, targets: verdicts, problems: issues }, null, 2)}\n`,
      );
    else process.stdout.write(markdown(report, verdicts, issues));
    if (verdicts.some((v) => !v.met) || issues.length) process.exitCode = 1;
  } finally {
    await cleanups.run();
  }
}

runBench(main);
