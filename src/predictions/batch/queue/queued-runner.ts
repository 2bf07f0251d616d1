// Starting a batch run on the queue (REDIS_URL set): claim it in the BatchRun ledger like an
// in-process run, then enqueue its flow; the workers (`npm run worker`) do the rest. Used by the API
// server (refreshAllPredictions), `npm run refresh` and the scheduled job of REFRESH_CRON.
import type { DatabaseProvider } from "../../../config";
import type { Db } from "../../../db/client";
import type { Logger } from "../../../logger";
import { DEFAULT_CHUNK_SIZE } from "../batch-refresh";
import { type BatchRunRecord, type BatchRunTrigger, type Claim, claimBatchRun } from "../batch-run-ledger";
import { messageOf } from "../refresh-chunk";
import type { RefreshRunner, StartOptions } from "../refresh-runner";
import { tallyOf } from "./flow-tally";
import { CHUNK_LIMIT, type RefreshQueue } from "./refresh-queue";

export interface QueuedRunDeps {
  db: Db;
  provider: DatabaseProvider;
  log: Logger;
  queue: RefreshQueue;
}

export interface QueuedRunOptions {
  /** Take up this run again (a new flow, same priors) unless its flow is still pending. */
  runId?: number;
  /** Customers per chunk job (default 500, at most CHUNK_LIMIT). */
  chunkSize?: number;
  fitPriors?: boolean;
}

/**
 * Claims a run (a running run whose flow is still pending is joined, whatever its heartbeat) and,
 * when the claim is new or resumed, enqueues its flow.
 *
 * @throws when the queue cannot be reached (the claimed run is marked failed first).
 */
export async function startQueuedRun(
  deps: QueuedRunDeps,
  trigger: BatchRunTrigger,
  options: QueuedRunOptions = {},
): Promise<Claim> {
  const { db, log, queue } = deps;
  const claim = await claimBatchRun(deps, {
    trigger,
    ...(options.runId === undefined ? {} : { runId: options.runId }),
    alive: (run) => queue.pending(run),
  });
  if (claim.outcome !== "new" && claim.outcome !== "resumed") return claim;
  try {
    await queue.enqueueRun(claim.run, {
      chunkSize: Math.min(options.chunkSize ?? DEFAULT_CHUNK_SIZE, CHUNK_LIMIT),
      fitPriors: options.fitPriors ?? true,
    });
  } catch (error) {
    await db.batchRun
      .updateMany({
        where: { id: claim.run.id, status: "running" },
        data: { status: "failed", finishedAt: new Date(), error: `could not be queued: ${messageOf(error)}` },
      })
      .catch((e: unknown) =>
        log.error({ err: e, runId: claim.run.id }, "could not mark the batch run failed"),
      );
    throw error;
  }
  log.info({ runId: claim.run.id, outcome: claim.outcome, trigger }, "batch run queued");
  return claim;
}

/** A run's row with its counts read from its flow while it runs. */
export async function currentQueuedRun(queue: RefreshQueue, run: BatchRunRecord): Promise<BatchRunRecord> {
  if (run.status !== "running") return run;
  const job = await queue.runJob(run);
  if (!job) return run;
  const tally = await tallyOf(queue.queue, job);
  return { ...run, processed: tally.processed, failed: tally.failed, error: tally.error ?? run.error };
}

/** The API server's runner when REDIS_URL is set: runs go to the queue, nothing runs here. */
export class QueuedBatchRunner implements RefreshRunner {
  readonly #deps: QueuedRunDeps;
  #stopped = false;

  constructor(deps: QueuedRunDeps) {
    this.#deps = deps;
  }

  async start(
    trigger: BatchRunTrigger,
    options: StartOptions = {},
    log: Logger = this.#deps.log,
  ): Promise<BatchRunRecord> {
    if (this.#stopped) throw new Error("The batch runner is stopped: the server is shutting down");
    return (await startQueuedRun({ ...this.#deps, log }, trigger, options)).run;
  }

  current(run: BatchRunRecord): Promise<BatchRunRecord> {
    return currentQueuedRun(this.#deps.queue, run);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
  }
}
