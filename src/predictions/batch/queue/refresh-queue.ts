// The refresh queue on Redis (BullMQ): one queue, "refresh", under QUEUE_PREFIX, carrying three kinds
// of job:
//
//   run        one per batch run (id run-<runId>-<resumes>): fits the priors, adds the run's chunk
//              jobs as its children (a flow), waits for them, then finishes the run (run-job.ts).
//   chunk      at most CHUNK_LIMIT customers with purchases, by id range (after, through] (chunk-job.ts).
//   scheduled  made by the job scheduler REFRESH_CRON: starts a run (exactly one per tick, whatever
//              the number of replicas, because the scheduler lives in Redis, not in the replicas).
//
// Everything here is safe to do twice: job ids are derived from the run, so adding a job again adds
// nothing, and a chunk that runs twice stores the same predictions again.
import { Job, Queue } from "bullmq";
import type { Logger } from "../../../logger";
import type { BatchRunRecord } from "../batch-run-ledger";

export const QUEUE_NAME = "refresh";
/** Customers per chunk job at most. */
export const CHUNK_LIMIT = 1_000;

export type RunStep = "priors" | "dispatch" | "finish";

export interface RunJobData {
  runId: number;
  /** The run's resumes when this flow was enqueued: a later resume makes this flow stand down. */
  resumes: number;
  /** Customers per chunk (at most CHUNK_LIMIT). */
  chunkSize: number;
  /** Fit new priors (true) or use the newest stored ones. */
  fitPriors: boolean;
  /** Where the job stands: a job retried after its worker died goes on from here. */
  step?: RunStep;
}

export interface ChunkJobData {
  runId: number;
  /** The range of customer ids: after < id <= through. */
  after: number;
  through: number;
  /** Customers with purchases in the range when it was dispatched. */
  size: number;
  /** The run's priors. */
  fingerprint: string;
}

/** What a chunk job returns, kept by its parent (the flow) until the run finishes. */
export interface ChunkResult {
  processed: number;
  failed: number;
  error?: string;
}

export interface ScheduledJobData {
  cron: string;
}

/** What the run job reports while it works (job.progress). */
export type RunJobProgress =
  | { phase: "priors"; customers: number }
  | { phase: "dispatching"; chunks: number };

export interface RefreshQueueOptions {
  redisUrl: string;
  /** QUEUE_PREFIX. */
  prefix: string;
  log: Logger;
}

/** The job id of a run's job: a resumed run gets a new flow. */
export function runJobId(run: Pick<BatchRunRecord, "id" | "resumes">): string {
  return `run-${run.id}-${run.resumes}`;
}

export function chunkJobId(runJob: string, through: number): string {
  return `${runJob}-to-${through}`;
}

/** The id within a job key ("<prefix>:<queue>:<id>"), as flows report their children. */
export function idOfKey(key: string): string {
  return key.slice(key.lastIndexOf(":") + 1);
}

/** Options of every job: retries with exponential backoff; finished jobs kept a while, then trimmed. */
export const RUN_JOB_OPTIONS = {
  attempts: 3,
  backoff: { type: "exponential", delay: 5_000 },
  removeOnComplete: { age: 7 * 86_400 },
  removeOnFail: { age: 30 * 86_400 },
} as const;

export const CHUNK_JOB_OPTIONS = {
  attempts: 4,
  backoff: { type: "exponential", delay: 2_000 },
  // A chunk that keeps failing is failed for good, and its parent goes on: the run ends partial.
  ignoreDependencyOnFailure: true,
  // Its result lives on in the parent's list of processed children.
  removeOnComplete: true,
  removeOnFail: { age: 30 * 86_400 },
} as const;

/**
 * The queue as producers and readers see it (API servers, `npm run refresh`, workers adding chunks).
 * Connects on first use.
 */
export class RefreshQueue {
  readonly #options: RefreshQueueOptions;
  #queue: Queue | undefined;

  constructor(options: RefreshQueueOptions) {
    this.#options = options;
  }

  get queue(): Queue {
    this.#queue ??= new Queue(QUEUE_NAME, {
      connection: { url: this.#options.redisUrl, maxRetriesPerRequest: 3 },
      prefix: this.#options.prefix,
    });
    return this.#queue;
  }

  /** Adds the run's job (nothing when it is already there). */
  async enqueueRun(
    run: Pick<BatchRunRecord, "id" | "resumes">,
    data: Pick<RunJobData, "chunkSize" | "fitPriors">,
  ): Promise<void> {
    const job: RunJobData = { ...data, runId: run.id, resumes: run.resumes, step: "priors" };
    await this.queue.add("run", job, {
      ...RUN_JOB_OPTIONS,
      jobId: runJobId(run),
    });
  }

  /** The run's job, if the queue still has it. */
  async runJob(run: Pick<BatchRunRecord, "id" | "resumes">): Promise<Job<RunJobData> | undefined> {
    return Job.fromId<RunJobData>(this.queue, runJobId(run));
  }

  /** Whether the run's flow is still to finish (its job waits, works, or waits for its chunks). */
  async pending(run: Pick<BatchRunRecord, "id" | "resumes">): Promise<boolean> {
    const job = await this.runJob(run);
    if (!job) return false;
    const state = await job.getState();
    return state !== "completed" && state !== "failed" && state !== "unknown";
  }

  /**
   * Keeps the job scheduler in step with REFRESH_CRON: set → one scheduler (the same id from every
   * replica, so one job per tick); unset → none.
   */
  async schedule(cron: string | undefined, timeZone: string): Promise<void> {
    if (!cron) {
      if (await this.queue.removeJobScheduler(SCHEDULER_ID))
        this.#options.log.info("REFRESH_CRON unset: the refresh schedule was removed");
      return;
    }
    const next = await this.queue.upsertJobScheduler(
      SCHEDULER_ID,
      { pattern: cron, tz: timeZone },
      { name: "scheduled", data: { cron } satisfies ScheduledJobData, opts: { removeOnComplete: 100 } },
    );
    this.#options.log.info(
      { cron, timeZone, next: new Date(next.timestamp + (next.delay ?? 0)).toISOString() },
      "refresh scheduled (BullMQ job scheduler)",
    );
  }

  /** Jobs by state, for metrics. */
  async counts(): Promise<{ waiting: number; active: number; delayed: number; failed: number }> {
    const counts = await this.queue.getJobCounts("waiting", "active", "delayed", "failed");
    return {
      waiting: counts.waiting ?? 0,
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      failed: counts.failed ?? 0,
    };
  }

  /** Workers connected to the queue now. */
  async workers(): Promise<number> {
    return this.queue.getWorkersCount();
  }

  async close(): Promise<void> {
    await this.#queue?.close();
    this.#queue = undefined;
  }
}

// ---- private helpers ----

const SCHEDULER_ID = "refresh-cron";
