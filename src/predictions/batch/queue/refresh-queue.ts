// The refresh queue on Redis (BullMQ): one queue, "refresh", under QUEUE_PREFIX, carrying four kinds
// of job:
//
//   prepare    fits a claimed run's priors and adds its flow (id prepare-<runId>-<resumes>): how an API
//              server starts a run, so that seconds of fitting never block its event loop (prepare-job.ts).
//   run        the parent of a run's flow (id run-<runId>-<resumes>): BullMQ hands it to a worker once
//              every chunk has finished or failed for good; it then finishes the run (run-job.ts).
//   chunk      at most CHUNK_LIMIT customers with purchases, by id range (after, through] (chunk-job.ts).
//   scheduled  made by the job scheduler REFRESH_CRON: starts a run (exactly one per tick, whatever
//              the number of replicas, because the scheduler lives in Redis, not in the replicas).
//
// A run's flow (its run job and all its chunks) is added in one atomic step once the run's priors are
// fitted (prepare-run.ts), so no worker ever sees half a run. Adding it again adds nothing (job ids are
// derived from the run), and a chunk that runs twice stores the same predictions again.
import { FlowProducer, Job, Queue } from "bullmq";
import type { Logger } from "../../../logger";
import type { BatchRunRecord } from "../batch-run-ledger";

export const QUEUE_NAME = "refresh";
/** Customers per chunk job at most. */
export const CHUNK_LIMIT = 1_000;

export interface RunJobData {
  runId: number;
  /** The run's resumes when this flow was enqueued: a later resume makes this flow stand down. */
  resumes: number;
}

export interface ChunkJobData {
  runId: number;
  /** The range of customer ids: after < id <= through. */
  after: number;
  through: number;
  /** Customers with purchases in the range when the run was prepared. */
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

export interface PrepareJobData {
  runId: number;
  /** The run's resumes when it was claimed: a later resume makes this job stand down. */
  resumes: number;
  /** Customers per chunk job (at most CHUNK_LIMIT). */
  chunkSize: number;
  /** Fit new priors (absent: yes); false takes the newest stored ones. */
  fitPriors?: boolean;
}

export interface ScheduledJobData {
  cron: string;
}

export interface RefreshQueueOptions {
  redisUrl: string;
  /** QUEUE_PREFIX. */
  prefix: string;
  log: Logger;
  /** Tests: the first retry delay of a failed chunk (default CHUNK_JOB_OPTIONS': 2 s, doubling). */
  chunkBackoffMs?: number;
}

/** The job id of a run's job: a resumed run gets a new flow. */
export function runJobId(run: Pick<BatchRunRecord, "id" | "resumes">): string {
  return `run-${run.id}-${run.resumes}`;
}

/** The job id of a run's prepare job. */
export function prepareJobId(run: Pick<BatchRunRecord, "id" | "resumes">): string {
  return `prepare-${run.id}-${run.resumes}`;
}

export function chunkJobId(runJob: string, through: number): string {
  return `${runJob}-to-${through}`;
}

/** The id within a job key ("<prefix>:<queue>:<id>"), as flows report their children. */
export function idOfKey(key: string): string {
  return key.slice(key.lastIndexOf(":") + 1);
}

/** Retries with exponential backoff; finished run jobs kept a week, failed ones a month. */
export const RUN_JOB_OPTIONS = {
  attempts: 3,
  backoff: { type: "exponential", delay: 5_000 },
  removeOnComplete: { age: 7 * 86_400 },
  removeOnFail: { age: 30 * 86_400 },
} as const;

/**
 * One attempt: a prepare that fails marks its run failed with the reason (a new start begins again).
 * A worker killed while preparing is another matter: the job stalls and goes back on the queue.
 */
export const PREPARE_JOB_OPTIONS = {
  attempts: 1,
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
 * The queue as producers and readers see it (API servers, `npm run refresh`, workers starting
 * scheduled runs, metrics). Connects on first use.
 */
export class RefreshQueue {
  readonly #options: RefreshQueueOptions;
  #queue: Queue | undefined;
  #flows: FlowProducer | undefined;

  constructor(options: RefreshQueueOptions) {
    this.#options = options;
  }

  get queue(): Queue {
    this.#queue ??= new Queue(QUEUE_NAME, this.#connection());
    return this.#queue;
  }

  /**
   * Adds the run's flow in one step: its run job, waiting for the chunk jobs given as its children.
   * Nothing is added when the run's flow is already there.
   */
  async enqueueFlow(
    run: Pick<BatchRunRecord, "id" | "resumes">,
    chunks: readonly ChunkJobData[],
  ): Promise<void> {
    const parent = runJobId(run);
    const { chunkBackoffMs } = this.#options;
    const backoff = chunkBackoffMs
      ? { ...CHUNK_JOB_OPTIONS.backoff, delay: chunkBackoffMs }
      : CHUNK_JOB_OPTIONS.backoff;
    this.#flows ??= new FlowProducer(this.#connection());
    await this.#flows.add({
      name: "run",
      queueName: QUEUE_NAME,
      data: { runId: run.id, resumes: run.resumes } satisfies RunJobData,
      opts: { ...RUN_JOB_OPTIONS, jobId: parent },
      children: chunks.map((data) => ({
        name: "chunk",
        queueName: QUEUE_NAME,
        data,
        opts: { ...CHUNK_JOB_OPTIONS, backoff, jobId: chunkJobId(parent, data.through) },
      })),
    });
  }

  /** Asks a worker to prepare the claimed run (fit its priors, add its flow). Adding it again adds nothing. */
  async enqueuePrepare(data: PrepareJobData): Promise<void> {
    await this.queue.add("prepare", data, {
      ...PREPARE_JOB_OPTIONS,
      jobId: prepareJobId({ id: data.runId, resumes: data.resumes }),
    });
  }

  /** The run's job, if the queue still has it. */
  async runJob(run: Pick<BatchRunRecord, "id" | "resumes">): Promise<Job<RunJobData> | undefined> {
    return Job.fromId<RunJobData>(this.queue, runJobId(run));
  }

  /**
   * Whether the run is still to finish on the queue: its flow's job waits for its chunks, waits or
   * works, or (before the flow is there) its prepare job waits or works.
   */
  async pending(run: Pick<BatchRunRecord, "id" | "resumes">): Promise<boolean> {
    const job = (await this.runJob(run)) ?? (await Job.fromId(this.queue, prepareJobId(run)));
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
    await this.#flows?.close();
    await this.#queue?.close();
    this.#flows = undefined;
    this.#queue = undefined;
  }

  #connection() {
    return {
      connection: { url: this.#options.redisUrl, maxRetriesPerRequest: 3 },
      prefix: this.#options.prefix,
    };
  }
}

// ---- private helpers ----

const SCHEDULER_ID = "refresh-cron";
