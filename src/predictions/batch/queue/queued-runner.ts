// Starting a batch run on the queue (REDIS_URL set): claim it in the BatchRun ledger like an
// in-process run, prepare it (priors, then the flow: prepare-run.ts); the workers (`npm run worker`)
// do the rest. Used by the API server (refreshAllPredictions), `npm run refresh` and the scheduled
// job of REFRESH_CRON. `npm run refresh` and the scheduled job prepare the run in their own process;
// the API server leaves that to a worker too (a prepare job), so its requests never wait for a fit.
import { TaskCancelledError, TimeoutStrategy, timeout } from "cockatiel";
import type { Logger } from "../../../logger";
import { DEFAULT_CHUNK_SIZE } from "../batch-refresh";
import {
  type BatchRunRecord,
  type BatchRunTrigger,
  type Claim,
  claimBatchRun,
  RunWriter,
} from "../batch-run-ledger";
import { messageOf } from "../refresh-chunk";
import type { RefreshRunner, StartOptions } from "../refresh-runner";
import { tallyOf } from "./flow-tally";
import { type PrepareDeps, type PrepareOptions, prepareQueuedRun } from "./prepare-run";
import type { PrepareJobData, RefreshQueue } from "./refresh-queue";

export type QueuedRunDeps = PrepareDeps;

export interface QueuedRunOptions extends Partial<PrepareOptions> {
  /** Take up this run again (a new flow, same priors) unless it is still live. */
  runId?: number;
  /**
   * Where the claimed run is prepared: "here" (default: this process fits the priors and adds the
   * flow) or "worker" (a prepare job does it; `onProgress` then hears nothing of the fit).
   */
  prepareIn?: "here" | "worker";
}

export interface QueuedStart {
  claim: Claim;
  /**
   * Settles once a new (or resumed) run's flow (or, prepared in a worker, its prepare job) is on the
   * queue; at once for a joined or finished one.
   */
  ready: Promise<void>;
}

/**
 * Claims a run (a running run whose flow or prepare job is still pending is joined, whatever its
 * heartbeat) and, when the claim is new or resumed, starts preparing it (here or in a worker).
 */
export async function startQueuedRun(
  deps: QueuedRunDeps,
  trigger: BatchRunTrigger,
  options: QueuedRunOptions = {},
): Promise<QueuedStart> {
  const claim = await claimBatchRun(deps, {
    trigger,
    ...(options.runId === undefined ? {} : { runId: options.runId }),
    alive: (run) => deps.queue.pending(run),
  });
  if (claim.outcome !== "new" && claim.outcome !== "resumed") return { claim, ready: Promise.resolve() };
  deps.log.info({ runId: claim.run.id, outcome: claim.outcome, trigger }, "batch run claimed for the queue");
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const fitPriors = options.fitPriors === undefined ? {} : { fitPriors: options.fitPriors };
  const ready =
    options.prepareIn === "worker"
      ? enqueuePrepare(deps, claim.run, {
          runId: claim.run.id,
          resumes: claim.run.resumes,
          chunkSize,
          ...fitPriors,
        })
      : prepareQueuedRun(deps, claim.run, {
          chunkSize,
          ...fitPriors,
          ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        });
  return { claim, ready };
}

/** A run's row with its counts read from its flow while it runs. */
export async function currentQueuedRun(queue: RefreshQueue, run: BatchRunRecord): Promise<BatchRunRecord> {
  if (run.status !== "running") return run;
  const job = await queue.runJob(run);
  if (!job) return run;
  const tally = await tallyOf(queue.queue, job);
  return { ...run, processed: tally.processed, failed: tally.failed, error: tally.error ?? run.error };
}

/**
 * The API server's runner when REDIS_URL is set: a run is claimed here and put on the queue for a
 * worker to prepare (the mutation answers at once), then worked by the workers.
 */
export class QueuedBatchRunner implements RefreshRunner {
  readonly #deps: QueuedRunDeps;
  readonly #preparing = new Set<Promise<void>>();
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
    const { claim, ready } = await startQueuedRun({ ...this.#deps, log }, trigger, {
      ...options,
      prepareIn: "worker",
    });
    const tracked = ready
      .then(async () => {
        if (claim.outcome !== "new" && claim.outcome !== "resumed") return;
        // Nothing prepares or works the run until a worker connects: say so where operators look.
        if ((await this.#deps.queue.workers()) === 0) {
          log.warn(
            { runId: claim.run.id },
            "no worker is connected to the refresh queue: the run waits until one starts (npm run worker)",
          );
        }
      })
      .catch((error: unknown) =>
        log.error({ err: error, runId: claim.run.id }, "batch run could not be queued"),
      )
      .finally(() => this.#preparing.delete(tracked));
    this.#preparing.add(tracked);
    return claim.run;
  }

  current(run: BatchRunRecord): Promise<BatchRunRecord> {
    return currentQueuedRun(this.#deps.queue, run);
  }

  /** Waits (up to `timeoutMs`) for runs claimed here to reach the queue. */
  async stop({ timeoutMs = 15_000 } = {}): Promise<void> {
    this.#stopped = true;
    if (!this.#preparing.size) return;
    try {
      await timeout(timeoutMs, TimeoutStrategy.Aggressive).execute(() => Promise.all(this.#preparing));
    } catch (error) {
      if (!(error instanceof TaskCancelledError)) throw error;
      this.#deps.log.warn("a batch run was still being prepared at shutdown: a later start replaces it");
    }
  }
}

// ---- private helpers ----

/** Puts the claimed run's prepare job on the queue; when that fails, the run is marked failed with why. */
async function enqueuePrepare(deps: QueuedRunDeps, run: BatchRunRecord, data: PrepareJobData): Promise<void> {
  try {
    await deps.queue.enqueuePrepare(data);
  } catch (error) {
    await new RunWriter(deps.db, run).fail(`queueing: ${messageOf(error)}`, deps.log);
    throw error;
  }
}
