// npm run refresh -- [--chunk-size N] [--concurrency N] [--resume <runId>] [--no-priors] [--quiet]
// The batch refresh (src/predictions/batch/): fits the population priors, then recomputes and stores
// every customer's predictions.
//
// Without REDIS_URL it runs in this process: without --resume it takes up the newest unfinished run
// whose process died (stale heartbeat), else starts a new one; while another process's run is live
// it does nothing. With REDIS_URL it enqueues the run as a flow for the workers (`npm run worker`)
// and follows it to its end with the same progress bars (a run already on the queue is followed, not
// started twice); Ctrl-C stops following, not the run. --concurrency is the in-process setting (the
// workers have WORKER_CONCURRENCY). Exit code 0 when every customer was refreshed, 1 when any failed.
import type { Config } from "../config";
import type { Database } from "../db/client";
import type { Logger } from "../logger";
import {
  type BatchRefreshSummary,
  DEFAULT_CHUNK_SIZE,
  DEFAULT_CONCURRENCY,
  summaryOf,
} from "../predictions/batch/batch-refresh";
import { latestUnfinishedRun } from "../predictions/batch/batch-run-ledger";
import { startQueuedRun } from "../predictions/batch/queue/queued-runner";
import { checkEvictionPolicy } from "../predictions/batch/queue/redis-policy";
import { RefreshQueue } from "../predictions/batch/queue/refresh-queue";
import { watchQueuedRun } from "../predictions/batch/queue/run-watch";
import { createPredictionRuntime, writeOnlyCacheConfig } from "../predictions/runtime";
import { type CommandContext, intOption, parseCommandArgs, runCommand } from "./support/command";
import { refreshBars, refreshWithProgress } from "./support/refresh-progress";
import { abortOnStopSignal } from "./support/stop-signal";

export interface RefreshArgs {
  chunkSize: number;
  concurrency: number;
  resume?: number;
  fitPriors: boolean;
  quiet: boolean;
}

export const REFRESH_USAGE =
  "npm run refresh -- [--chunk-size N] [--concurrency N] [--resume <runId>] [--no-priors] [--quiet]";

export function parseRefreshArgs(argv: string[]): RefreshArgs {
  const { values } = parseCommandArgs(
    {
      "chunk-size": { type: "string" },
      concurrency: { type: "string" },
      resume: { type: "string" },
      "no-priors": { type: "boolean", default: false },
      quiet: { type: "boolean", default: false },
    },
    argv,
  );
  return {
    chunkSize: intOption("--chunk-size", values["chunk-size"], {
      min: 1,
      max: 10_000,
      fallback: DEFAULT_CHUNK_SIZE,
    }),
    concurrency: intOption("--concurrency", values.concurrency, {
      min: 1,
      max: 64,
      fallback: DEFAULT_CONCURRENCY,
    }),
    ...(values.resume === undefined
      ? {}
      : { resume: intOption("--resume", values.resume, { min: 1, max: 2_147_483_647 }) }),
    fitPriors: !values["no-priors"],
    quiet: values.quiet,
  };
}

/**
 * The command's body (tests call it directly): runs the refresh, prints the summary, returns the exit
 * code. Stops taking new chunks on SIGINT/SIGTERM, leaving the run to `--resume`.
 */
export async function refreshCommand(
  { config, log, db }: Pick<CommandContext, "config" | "log" | "db">,
  args: RefreshArgs,
  out: (line: string) => void = (line) => console.log(line),
): Promise<number> {
  const { redisUrl } = config.predictions;
  if (redisUrl) return refreshOnQueue({ config, log, db }, redisUrl, args, out);
  const runtime = createPredictionRuntime({
    config: writeOnlyCacheConfig(config.predictions),
    analyzer: config.analyzer,
    db: db.prisma,
    provider: db.provider,
    log,
  });
  const stop = abortOnStopSignal("stopping after the chunks in flight (resume with npm run refresh)…");
  try {
    const runId = args.resume ?? (await latestUnfinishedRun(db.prisma))?.id;
    if (runId !== undefined && args.resume === undefined)
      out(`Resuming batch run ${runId} (its process stopped).`);
    const summary = await refreshWithProgress(
      { db: db.prisma, runtime, log, provider: db.provider },
      {
        ...(runId === undefined ? {} : { runId }),
        trigger: "cli",
        chunkSize: args.chunkSize,
        concurrency: args.concurrency,
        fitPriors: args.fitPriors,
        signal: stop.signal,
      },
      { enabled: !args.quiet },
    );
    out(describe(summary));
    return exitCodeOf(summary);
  } finally {
    stop.release();
    await runtime.close();
  }
}

/** 1 when the run has failed customers or failed; 0 otherwise (joined, stopped or clean). */
export function exitCodeOf(summary: Pick<BatchRefreshSummary, "outcome" | "status" | "failed">): number {
  if (summary.outcome === "joined") return 0;
  return summary.failed > 0 || summary.status === "failed" || summary.status === "partial" ? 1 : 0;
}

/** With REDIS_URL: enqueue (or find) the run, follow it to its end, print the summary. */
async function refreshOnQueue(
  { config, log, db }: { config: Config; log: Logger; db: Database },
  redisUrl: string,
  args: RefreshArgs,
  out: (line: string) => void,
): Promise<number> {
  const queue = new RefreshQueue({ redisUrl, prefix: config.queue.prefix, log });
  const stop = abortOnStopSignal("no longer following: the run goes on in the workers");
  const bars = refreshBars(!args.quiet);
  try {
    await checkEvictionPolicy(queue, log);
    if ((await queue.workers()) === 0) {
      process.stderr.write(
        `no worker is connected to the refresh queue (QUEUE_PREFIX ${config.queue.prefix}): ` +
          "the run waits until one starts (npm run worker)\n",
      );
    }
    const started = performance.now();
    const deps = { db: db.prisma, provider: db.provider, log, queue, timeZone: config.predictions.timeZone };
    const { claim, ready } = await startQueuedRun(deps, "cli", {
      ...(args.resume === undefined ? {} : { runId: args.resume }),
      chunkSize: args.chunkSize,
      fitPriors: args.fitPriors,
      onProgress: bars.show,
    });
    // The priors are fitted here, then the flow goes on the queue.
    await ready;
    const preparedSeconds = (performance.now() - started) / 1000;
    if (claim.outcome === "finished") {
      out(describe(summaryOf(claim.run, "finished", started, { processedNow: 0 })));
      return 0;
    }
    if (claim.outcome === "joined") out(`Batch run ${claim.run.id} is already on the queue: following it.`);
    const watched = await watchQueuedRun({ db: db.prisma, queue }, claim.run.id, {
      onProgress: bars.show,
      signal: stop.signal,
    });
    bars.stop();
    const { run } = watched;
    const summary = summaryOf(run, claim.outcome, started, {
      processedNow: run.processed,
      priorsSeconds: preparedSeconds + watched.priorsSeconds,
      stopped: watched.stopped,
    });
    out(describeQueued(summary));
    return watched.stopped ? 0 : exitCodeOf({ ...summary, outcome: "new" });
  } finally {
    bars.stop();
    stop.release();
    await queue.close();
  }
}

function describeQueued(s: BatchRefreshSummary): string {
  if (s.stopped) {
    return (
      `Batch run ${s.runId} goes on in the workers (${s.processed}/${s.total} customers so far): ` +
      `follow it again with npm run refresh -- --resume ${s.runId}, or Query.batchRun(id: ${s.runId}).`
    );
  }
  const priors = s.priorsFingerprint ? `priors ${s.priorsFingerprint}` : "no priors";
  return (
    `Batch run ${s.runId} ${s.status}: ${s.processed}/${s.total} customers done, ${s.failed} failed; ` +
    `on the queue in ${s.seconds.toFixed(1)} s (${Math.round(s.customersPerSecond)} customers/s, ` +
    `${s.priorsSeconds.toFixed(1)} s fitting priors and queueing); ${priors}` +
    (s.pruned ? `; ${s.pruned} old superseded predictions pruned` : "") +
    (s.error && s.status !== "succeeded" ? `; ${s.error}` : "") +
    "."
  );
}

function describe(s: BatchRefreshSummary): string {
  if (s.outcome === "joined") {
    return `Batch run ${s.runId} is already running in another process (${s.processed}/${s.total} customers): nothing to do.`;
  }
  if (s.outcome === "finished") {
    return `Batch run ${s.runId} has already ${s.status}: nothing to do (${s.processed} customers, ${s.failed} failed).`;
  }
  const priors = s.priorsFingerprint ? `priors ${s.priorsFingerprint}` : "no priors";
  const verb = s.stopped ? `stopped (resume with --resume ${s.runId})` : s.status;
  return (
    `Batch run ${s.runId} ${verb}: ${s.processed}/${s.total} customers done, ${s.failed} failed; ` +
    `${s.processedNow} in this run in ${s.seconds.toFixed(1)} s (${Math.round(s.customersPerSecond)} customers/s, ` +
    `${s.priorsSeconds.toFixed(1)} s fitting); ${priors}` +
    (s.pruned ? `; ${s.pruned} old superseded predictions pruned` : "") +
    "."
  );
}

if (require.main === module) {
  runCommand<RefreshArgs>({
    usage: REFRESH_USAGE,
    parse: parseRefreshArgs,
    run: (ctx, args) => refreshCommand(ctx, args),
  });
}
