// npm run refresh -- [--chunk-size N] [--concurrency N] [--resume <runId>] [--no-priors] [--quiet]
// The batch refresh (src/predictions/batch/batch-refresh.ts): fits the population priors, then recomputes
// and stores every customer's predictions. Without --resume it takes up the newest unfinished run
// whose process died (stale heartbeat), else starts a new one; while another process's run is live
// it does nothing. Exit code 0 when every customer was refreshed, 1 when any failed.
import {
  type BatchRefreshSummary,
  DEFAULT_CHUNK_SIZE,
  DEFAULT_CONCURRENCY,
} from "../predictions/batch/batch-refresh";
import { latestUnfinishedRun } from "../predictions/batch/batch-run-ledger";
import { createPredictionRuntime, writeOnlyCacheConfig } from "../predictions/runtime";
import { type CommandContext, intOption, parseCommandArgs, runCommand } from "./support/command";
import { refreshWithProgress } from "./support/refresh-progress";

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
  const runtime = createPredictionRuntime({
    config: writeOnlyCacheConfig(config.predictions),
    analyzer: config.analyzer,
    db: db.prisma,
    provider: db.provider,
    log,
  });
  const controller = new AbortController();
  const onSignal = () => {
    process.stderr.write("stopping after the chunks in flight (resume with npm run refresh)…\n");
    controller.abort();
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
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
        signal: controller.signal,
      },
      { enabled: !args.quiet },
    );
    out(describe(summary));
    return exitCodeOf(summary);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await runtime.close();
  }
}

/** 1 when the run has failed customers or failed; 0 otherwise (joined, stopped or clean). */
export function exitCodeOf(summary: Pick<BatchRefreshSummary, "outcome" | "status" | "failed">): number {
  if (summary.outcome === "joined") return 0;
  return summary.failed > 0 || summary.status === "failed" ? 1 : 0;
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
