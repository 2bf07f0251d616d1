// Phases "refresh" and "bedrock" (issue 7 row 6): the built refresh CLI as `npm run refresh` runs it
// (its npm script's heap limit), as a child process against a bench database.
//   refresh: the statistical analyzer over every seeded customer; customers/s for the whole run
//     (priors fit included) and for the refresh alone, the process's wall time and its peak RSS.
//   bedrock: ANALYZER=bedrock against the fake Bedrock Runtime (test/support/fake-bedrock.ts, real
//     HTTP/2 and SigV4) answering every call after a fixed latency, on a small database of its own,
//     once per BEDROCK_MAX_CONCURRENCY: calls/s against the ideal concurrency / latency. Every stored
//     prediction must be BEDROCK and every call answered without a fault, or the number would be the
//     statistical fallback's.
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDatabase } from "../../src/db/client";
import { type FakeBedrock, type FakeBedrockRequest, startFakeBedrock } from "../../test/support/fake-bedrock";
import { nodeFlagsOfScript } from "../support/npm-script";
import { type Cleanups, type PreparedDatabase, seedBenchDatabase } from "../support/serving-harness";
import { MiB } from "../support/stats";

export interface RefreshResult {
  customers: number;
  failed: number;
  /** Customers per second over the CLI's whole run, priors fit included. */
  customersPerSecond: number;
  /** Customers per second of the refresh alone (the run's seconds less the priors fit). */
  refreshCustomersPerSecond: number;
  priorsSeconds: number;
  /** The child process from spawn to exit (node start-up, migration check, fit, refresh), s. */
  processSeconds: number;
  peakRssMiB: number;
}

interface CliRun extends RefreshResult {
  exitCode: number;
  output: string;
}

const SUMMARY =
  /(\d+)\/(\d+) customers done, (\d+) failed; (\d+) in this run in ([\d.]+) s \(\d+ customers\/s, ([\d.]+) s fitting\)/;

async function runRefreshCli(env: Record<string, string>): Promise<CliRun> {
  const peakFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cai-bench-rss-")), "peak");
  const cli = path.resolve(__dirname, "../../src/cli/refresh.js");
  const preload = path.resolve(__dirname, "../support/peak-rss.js");
  const { REDIS_URL: _redis, ...inherited } = process.env;
  const started = performance.now();
  const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
    execFile(
      process.execPath,
      [...nodeFlagsOfScript("refresh"), "--require", preload, cli, "--quiet"],
      // The CLI would write its predictions into a shared Redis's real namespace: it gets none here.
      {
        env: { ...inherited, LOG_LEVEL: "warn", ...env, BENCH_PEAK_RSS_FILE: peakFile },
        maxBuffer: 64 * MiB,
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
  const processSeconds = (performance.now() - started) / 1000;
  const peakKiB = Number(fs.readFileSync(peakFile, "utf8"));
  fs.rmSync(path.dirname(peakFile), { recursive: true, force: true });
  const match = SUMMARY.exec(output);
  if (!match) throw new Error(`refresh CLI (exit ${code}) printed no summary:\n${output.slice(-2_000)}`);
  const [, , total, failed, now, seconds, priors] = match.map(Number) as number[];
  return {
    exitCode: code,
    output,
    customers: total!,
    failed: failed!,
    customersPerSecond: now! / seconds!,
    refreshCustomersPerSecond: now! / (seconds! - priors!),
    priorsSeconds: priors!,
    processSeconds,
    peakRssMiB: peakKiB / 1024,
  };
}

export async function refreshRun(databaseUrl: string, progress: (message: string) => void, label: string) {
  progress(`${label}: npm run refresh (statistical) …`);
  const { exitCode, output, ...result } = await runRefreshCli({
    DATABASE_URL: databaseUrl,
    ANALYZER: "statistical",
  });
  if (exitCode !== 0 || result.failed) {
    throw new Error(
      `refresh CLI: exit ${exitCode}, ${result.failed} customers failed:\n${output.slice(-2_000)}`,
    );
  }
  return result;
}

export interface BedrockLevel {
  concurrency: number;
  /** Converse calls answered (customers with a prediction to adjust). */
  calls: number;
  /** Most calls the fake held at once: the bound the gateway keeps. */
  maxInFlight: number;
  customersPerSecond: number;
  callsPerSecond: number;
  /** concurrency / latency. */
  idealCallsPerSecond: number;
  /** callsPerSecond / idealCallsPerSecond. */
  ofIdeal: number;
  peakRssMiB: number;
}

export interface BedrockBench {
  database: PreparedDatabase;
  customers: number;
  latencyMs: number;
  run(label: string): Promise<BedrockLevel[]>;
}

/** Seeds the Bedrock phase's own database and starts the fake (both removed by `cleanups`). */
export async function prepareBedrock(options: {
  adminUrl: string | undefined;
  customers: number;
  days: number;
  latencyMs: number;
  concurrency: number[];
  cleanups: Cleanups;
  progress: (message: string) => void;
}): Promise<BedrockBench> {
  const { cleanups, progress, latencyMs } = options;
  const { target } = await seedBenchDatabase({ ...options, progress: (m) => progress(`bedrock: ${m}`) });
  const fake: FakeBedrock = await startFakeBedrock({ responder: agreeWithStatistics, faults: { latencyMs } });
  cleanups.push(() => fake.close());
  const database = openDatabase(target.url);
  cleanups.push(() => database.close());
  // Dummy keys: the SDK signs with them (the fake checks SigV4) and looks for nothing else.
  const env = {
    DATABASE_URL: target.url,
    ANALYZER: "bedrock",
    BEDROCK_ENDPOINT: fake.endpoint,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "AKIDBENCHFAKEBEDROCK",
    AWS_SECRET_ACCESS_KEY: "bench-secret-for-the-fake",
    AWS_EC2_METADATA_DISABLED: "true",
    AI_MONTHLY_BUDGET_USD: "1000000",
  };
  return {
    database: target,
    customers: options.customers,
    latencyMs,
    async run(label) {
      const levels: BedrockLevel[] = [];
      for (const concurrency of options.concurrency) {
        progress(`${label}: npm run refresh with ANALYZER=bedrock, BEDROCK_MAX_CONCURRENCY=${concurrency} …`);
        fake.clear();
        const cli = await runRefreshCli({ ...env, BEDROCK_MAX_CONCURRENCY: String(concurrency) });
        const { stats } = fake;
        const sources = await database.prisma.prediction.groupBy({
          by: ["source"],
          where: { supersededAt: null },
          _count: { _all: true },
        });
        const notBedrock = sources
          .filter((s) => s.source !== "BEDROCK")
          .reduce((n, s) => n + s._count._all, 0);
        const faults = stats.requests - stats.ok;
        if (cli.exitCode !== 0 || cli.failed || notBedrock || faults || !stats.ok) {
          throw new Error(
            `bedrock refresh at concurrency ${concurrency} is not all Bedrock: exit ${cli.exitCode}, ` +
              `${cli.failed} customers failed, ${notBedrock} current predictions not BEDROCK, ` +
              `${stats.ok} calls answered, ${faults} not:\n${cli.output.slice(-2_000)}`,
          );
        }
        const refreshSeconds = cli.customers / cli.refreshCustomersPerSecond;
        const idealCallsPerSecond = concurrency / (latencyMs / 1000);
        const callsPerSecond = stats.ok / refreshSeconds;
        levels.push({
          concurrency,
          calls: stats.ok,
          maxInFlight: stats.maxInFlight,
          customersPerSecond: cli.refreshCustomersPerSecond,
          callsPerSecond,
          idealCallsPerSecond,
          ofIdeal: callsPerSecond / idealCallsPerSecond,
          peakRssMiB: cli.peakRssMiB,
        });
      }
      return levels;
    },
  };
}

/**
 * The model's stand-in: takes every statistical forecast line of the prompt
 * ("k3|category|purchases|next [start,end] confidence ±tolerance") as it is, so each answer is a
 * complete, valid tool input and the bench measures the calls, not fallbacks.
 */
function agreeWithStatistics(request: FakeBedrockRequest) {
  const forecast = /^(k\d+)\|[^|\n]*\|[^|\n]*\|(-?\d+) \[/gm;
  const predictions = [...request.promptText.matchAll(forecast)].map(([, key, next]) => ({
    key,
    next: Number(next),
    reason: "bench: agrees with the statistics",
  }));
  return { predictions, insights: [] };
}
