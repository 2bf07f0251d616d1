// The run job: the parent of a run's flow. It works in three steps, recorded in its data so that a
// retry (its worker died, or a step failed) goes on from the step it reached:
//
//   priors    fit the priors (or take the run's, or the newest stored) and pin them on the run row;
//   dispatch  add one chunk job per CHUNK_LIMIT customers with purchases, by id range, as children
//             (ids derived from the range: adding them again adds nothing), then wait for them;
//   finish    once every chunk has finished or failed for good: tally the flow, prune, mark the run
//             succeeded, partial or failed.
import { type Job, WaitingChildrenError } from "bullmq";
import { findBatchRun, RunWriter } from "../batch-run-ledger";
import { finishRun } from "../finish-run";
import { customersWithPurchasesAfter, messageOf } from "../refresh-chunk";
import { priorsForRun } from "../run-priors";
import { type FlowTally, tallyOf } from "./flow-tally";
import type { QueueJobDeps } from "./queue-jobs";
import {
  CHUNK_JOB_OPTIONS,
  type ChunkJobData,
  chunkJobId,
  type RunJobData,
  type RunJobProgress,
  type RunStep,
} from "./refresh-queue";

export type RunJobResult =
  | ({ runId: number; status: string; pruned: number } & FlowTally)
  | { runId: number; stoodDown: string };

/**
 * @throws WaitingChildrenError once the chunks are added (BullMQ's signal that the job now waits for
 * them); the step's error otherwise (the run is marked failed on the job's last attempt).
 */
export async function processRunJob(
  deps: QueueJobDeps,
  job: Job<RunJobData>,
  token: string,
): Promise<RunJobResult> {
  const { db, log } = deps;
  const { runId } = job.data;
  const run = await findBatchRun(db, runId);
  if (run?.status !== "running" || run.resumes !== job.data.resumes) {
    const why = !run
      ? "no such run"
      : run.status !== "running"
        ? `run ${run.status}`
        : "run resumed elsewhere";
    log.warn({ runId, job: job.id, why }, "run job stands down");
    return { runId, stoodDown: why };
  }
  const writer = new RunWriter(db, run);
  let step: RunStep = job.data.step ?? "priors";
  const next = async (to: RunStep) => {
    step = to;
    await job.updateData({ ...job.data, step });
  };
  try {
    let fingerprint = run.priorsFingerprint;
    if (step === "priors") {
      const stopBeating = writer.beat((error) =>
        log.warn({ err: error, runId }, "batch run heartbeat failed"),
      );
      try {
        const priors = await priorsForRun({ ...deps, timeZone: deps.runtime.clock.timeZone }, run, {
          fitPriors: job.data.fitPriors,
          onCustomer: (customers) => {
            if (customers % 100 === 0) report(job, { phase: "priors", customers });
          },
        });
        fingerprint = priors.fingerprint;
        await writer.write({ priorsFingerprint: fingerprint, heartbeatAt: new Date() });
      } finally {
        stopBeating();
      }
      await next("dispatch");
    }
    if (step === "dispatch") {
      if (!fingerprint) throw new Error(`Batch run ${runId} reached its chunks without priors`);
      const total = await dispatchChunks(deps, job, fingerprint);
      await writer.write({ total, heartbeatAt: new Date() });
      await next("finish");
      if (await job.moveToWaitingChildren(token)) throw new WaitingChildrenError();
    }
    const tally = await tallyOf(deps.queue.queue, job);
    const now = deps.runtime.now?.() ?? new Date();
    const finished = await finishRun({ ...deps, now }, writer, runId, tally, {
      processed: tally.processed,
      failed: tally.failed,
      ...(tally.error ? { error: tally.error } : {}),
    });
    return { runId, status: finished.status, pruned: finished.pruned, ...tally };
  } catch (error) {
    if (error instanceof WaitingChildrenError) throw error;
    if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) {
      await writer
        .write({ status: "failed", finishedAt: new Date(), error: `${step}: ${messageOf(error)}` })
        .catch((e: unknown) => log.error({ err: e, runId }, "could not mark the batch run failed"));
    }
    throw error;
  }
}

// ---- private helpers ----

/** Adds the chunk jobs, CHUNK_BULK at a time; returns the customers they cover. */
async function dispatchChunks(
  deps: QueueJobDeps,
  job: Job<RunJobData>,
  fingerprint: string,
): Promise<number> {
  const parent = { id: job.id!, queue: job.queueQualifiedName };
  const backoff = deps.chunkBackoffMs
    ? { ...CHUNK_JOB_OPTIONS.backoff, delay: deps.chunkBackoffMs }
    : CHUNK_JOB_OPTIONS.backoff;
  let after = 0;
  let total = 0;
  let chunks = 0;
  let bulk: Array<{ name: "chunk"; data: ChunkJobData; opts: object }> = [];
  const flush = async () => {
    if (!bulk.length) return;
    await deps.queue.queue.addBulk(bulk);
    bulk = [];
    report(job, { phase: "dispatching", chunks });
  };
  for (;;) {
    const ids = await customersWithPurchasesAfter(deps.db, after, job.data.chunkSize);
    if (!ids.length) break;
    const through = ids[ids.length - 1]!;
    bulk.push({
      name: "chunk",
      data: { runId: job.data.runId, after, through, size: ids.length, fingerprint },
      opts: { ...CHUNK_JOB_OPTIONS, backoff, jobId: chunkJobId(job.id!, through), parent },
    });
    total += ids.length;
    chunks++;
    after = through;
    if (bulk.length >= CHUNK_BULK) await flush();
    if (ids.length < job.data.chunkSize) break;
  }
  await flush();
  deps.log.info({ runId: job.data.runId, chunks, customers: total }, "batch run dispatched");
  return total;
}

/** Chunk jobs added per round trip. */
const CHUNK_BULK = 100;

/** Progress is for watchers only: a failed update is not the job's failure. */
function report(job: Job<RunJobData>, progress: RunJobProgress): void {
  job.updateProgress(progress).catch(() => {});
}
