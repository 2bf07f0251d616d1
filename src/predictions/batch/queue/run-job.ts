// The run job: the parent of a run's flow. BullMQ hands it to a worker once every chunk has finished
// or failed for good; it then tallies the flow, prunes, and marks the run succeeded, partial or failed.
// Doing it twice (a retry, a lost lock) is harmless: the run row is written only while it is running.
import type { Job } from "bullmq";
import { findBatchRun, RunTakenOver, RunWriter } from "../batch-run-ledger";
import { finishRun } from "../finish-run";
import { messageOf } from "../refresh-chunk";
import { type FlowTally, tallyOf } from "./flow-tally";
import type { QueueJobDeps } from "./queue-jobs";
import type { RunJobData } from "./refresh-queue";

export type RunJobResult =
  | ({ runId: number; status: string; pruned: number } & FlowTally)
  | { runId: number; stoodDown: string };

/** @throws the finish's error (the run is marked failed on the job's last attempt). */
export async function processRunJob(deps: QueueJobDeps, job: Job<RunJobData>): Promise<RunJobResult> {
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
  try {
    const tally = await tallyOf(deps.queue.queue, job);
    const now = deps.runtime.now?.() ?? new Date();
    const finished = await finishRun({ ...deps, now }, writer, runId, tally, {
      processed: tally.processed,
      failed: tally.failed,
      ...(tally.error ? { error: tally.error } : {}),
    });
    return { runId, status: finished.status, pruned: finished.pruned, ...tally };
  } catch (error) {
    if (error instanceof RunTakenOver) return { runId, stoodDown: "run finished elsewhere" };
    if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) {
      await writer.fail(`finishing: ${messageOf(error)}`, log);
    }
    throw error;
  }
}
