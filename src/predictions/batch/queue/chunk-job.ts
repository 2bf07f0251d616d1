// A chunk job: the customers with purchases of one id range, refreshed with the run's priors through
// the same chunk function as the in-process refresh. Running it twice stores the same predictions
// twice, the second set superseding the first: harmless. When every customer of the chunk fails the
// job fails, so BullMQ retries it with backoff; on its last attempt it fails for good and the run
// ends partial.
import type { Job } from "bullmq";
import { findBatchRun } from "../batch-run-ledger";
import { customersWithPurchasesIn, refreshWithRetry } from "../refresh-chunk";
import { priorsByFingerprint } from "../run-priors";
import type { QueueJobDeps } from "./queue-jobs";
import type { ChunkJobData, ChunkResult } from "./refresh-queue";

export async function processChunkJob(deps: QueueJobDeps, job: Job<ChunkJobData>): Promise<ChunkResult> {
  const { db, log, runtime } = deps;
  const { runId, after, through, fingerprint } = job.data;
  const run = await findBatchRun(db, runId);
  if (run?.status !== "running") {
    log.warn({ runId, job: job.id }, "chunk skipped: its run is no longer running");
    return { processed: 0, failed: 0 };
  }
  await predictWithPriors(deps, fingerprint);
  const ids = await customersWithPurchasesIn(db, after, through);
  const outcome = await refreshWithRetry(runtime.service, ids, log.child({ runId, job: job.id }));
  // The run's heartbeat says its chunks are moving (watchers; the claim also asks the queue).
  await db.batchRun.updateMany({
    where: { id: runId, status: "running" },
    data: { heartbeatAt: new Date() },
  });
  if (ids.length && outcome.failed.length === ids.length) {
    throw new Error(outcome.error ?? "every customer of the chunk failed");
  }
  return {
    processed: ids.length,
    failed: outcome.failed.length,
    ...(outcome.error ? { error: outcome.error } : {}),
  };
}

/** Switches the worker's analyzer to the run's priors unless it already predicts with them. */
async function predictWithPriors(deps: QueueJobDeps, fingerprint: string): Promise<void> {
  const analyzers = deps.runtime.analyzers;
  if ((await analyzers.current()).version.includes(`/priors:${fingerprint}/`)) return;
  analyzers.use(await priorsByFingerprint(deps.db, fingerprint));
}
