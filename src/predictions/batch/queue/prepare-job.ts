// The prepare job: a run claimed by an API server, prepared by a worker (its priors fitted, its flow
// added: prepare-run.ts), so that the fit's seconds of CPU never hold up the API's requests. The job
// may run twice (a worker killed while preparing: the job stalls and goes back on the queue); the
// second stands down once the flow is on the queue, and otherwise prepares the run again.
import type { Job } from "bullmq";
import { findBatchRun } from "../batch-run-ledger";
import { prepareQueuedRun } from "./prepare-run";
import type { QueueJobDeps } from "./queue-jobs";
import type { PrepareJobData } from "./refresh-queue";

export type PrepareJobResult = { runId: number; prepared: true } | { runId: number; stoodDown: string };

/** @throws the preparation's error, once the run is marked failed with it (prepare-run.ts). */
export async function processPrepareJob(
  deps: QueueJobDeps,
  job: Job<PrepareJobData>,
): Promise<PrepareJobResult> {
  const { db, log } = deps;
  const { runId, resumes, chunkSize, fitPriors } = job.data;
  const run = await findBatchRun(db, runId);
  const why = !run
    ? "no such run"
    : run.status !== "running"
      ? `run ${run.status}`
      : run.resumes !== resumes
        ? "run resumed elsewhere"
        : (await deps.queue.runJob(run))
          ? "its flow is on the queue already"
          : undefined;
  if (why || !run) {
    log.warn({ runId, job: job.id, why }, "prepare job stands down");
    return { runId, stoodDown: why ?? "no such run" };
  }
  await prepareQueuedRun({ ...deps, timeZone: deps.runtime.clock.timeZone }, run, {
    chunkSize,
    ...(fitPriors === undefined ? {} : { fitPriors }),
  });
  return { runId, prepared: true };
}
