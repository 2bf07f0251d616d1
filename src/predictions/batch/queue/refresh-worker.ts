// The worker side of the refresh queue (`npm run worker`): takes prepare, run, chunk and scheduled
// jobs, up to WORKER_CONCURRENCY at once. A worker that dies loses nothing: its jobs' locks expire (WORKER_LOCK_MS)
// and another worker's stalled-job check puts them back on the queue.
import { type Job, UnrecoverableError, Worker } from "bullmq";
import type { ServiceMetrics } from "../../../metrics/service-metrics";
import { processChunkJob } from "./chunk-job";
import { processPrepareJob } from "./prepare-job";
import type { QueueJobDeps } from "./queue-jobs";
import { startQueuedRun } from "./queued-runner";
import {
  type ChunkJobData,
  type ChunkResult,
  type PrepareJobData,
  QUEUE_NAME,
  type RunJobData,
  type ScheduledJobData,
} from "./refresh-queue";
import { processRunJob } from "./run-job";

export interface RefreshWorkerOptions {
  /** Recorded on every job it takes (processedBy): which worker did what. */
  name?: string;
  redisUrl: string;
  prefix: string;
  /** Jobs worked on at once. */
  concurrency: number;
  /** How long a job's lock lasts unless renewed (renewed every half of it while the job works). */
  lockMs: number;
  /** Counts the chunks and customers this worker finished. */
  metrics?: ServiceMetrics;
}

/**
 * @example
 *   const worker = startRefreshWorker(deps, { redisUrl, prefix: "cai", concurrency: 2, lockMs: 30_000 });
 *   await worker.close(); // lets the jobs in hand finish
 */
export function startRefreshWorker(deps: QueueJobDeps, options: RefreshWorkerOptions): Worker {
  const { log } = deps;
  const worker = new Worker(
    QUEUE_NAME,
    async (job: Job) => {
      switch (job.name) {
        case "chunk":
          return processChunkJob(deps, job as Job<ChunkJobData>);
        case "prepare":
          return processPrepareJob(deps, job as Job<PrepareJobData>);
        case "run":
          return processRunJob(deps, job as Job<RunJobData>);
        // Already in a worker: the run is prepared here, in this job.
        case "scheduled": {
          const { cron } = job.data as ScheduledJobData;
          const { claim, ready } = await startQueuedRun(
            { ...deps, timeZone: deps.runtime.clock.timeZone },
            "cron",
          );
          log.info({ cron, runId: claim.run.id, outcome: claim.outcome }, "scheduled refresh");
          await ready;
          return { runId: claim.run.id, outcome: claim.outcome };
        }
        default:
          throw new UnrecoverableError(`Unknown job name ${JSON.stringify(job.name)} on the refresh queue`);
      }
    },
    {
      connection: { url: options.redisUrl, maxRetriesPerRequest: null },
      prefix: options.prefix,
      ...(options.name ? { name: options.name } : {}),
      concurrency: options.concurrency,
      lockDuration: options.lockMs,
      stalledInterval: options.lockMs,
      // A job whose worker died twice is not a poison pill yet: one more try.
      maxStalledCount: 2,
    },
  );
  const { metrics } = options;
  worker.on("completed", (job, result: ChunkResult) => {
    if (job.name !== "chunk" || !metrics) return;
    metrics.refreshChunks.inc({ outcome: "completed" });
    metrics.refreshCustomers.inc({ result: "refreshed" }, result.processed - result.failed);
    metrics.refreshCustomers.inc({ result: "failed" }, result.failed);
  });
  worker.on("failed", (job, error) => {
    if (job?.name === "chunk") metrics?.refreshChunks.inc({ outcome: "failed" });
    const final = job && job.attemptsMade >= (job.opts.attempts ?? 1);
    log[final ? "error" : "warn"](
      { err: error, job: job?.id, name: job?.name, attempts: job?.attemptsMade },
      final ? "job failed for good" : "job failed: it will be retried",
    );
  });
  worker.on("stalled", (job) =>
    log.warn({ job }, "job stalled (its worker stopped renewing its lock): back on the queue"),
  );
  worker.on("error", (error) => log.error({ err: error }, "refresh worker error"));
  return worker;
}
