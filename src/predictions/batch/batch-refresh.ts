// The batch refresh (issue 5): fit the population priors, then recompute every customer with purchases
// and save the results as their current predictions, recorded as a BatchRun row so that progress can
// be watched (Query.batchRun), a crash resumes where it stopped, and replicas never run two at once.
//
//   1. Claim: start a new run, resume a given one, or join the one another process is running
//      (its heartbeat is younger than 2 minutes). On PostgreSQL the claim holds an advisory lock for
//      its transaction, so two replicas starting together cannot both create a run; on SQLite one
//      process owns the file and claims inside one process are queued.
//   2. Priors: fit and store them (or, for a run that already has them, load the same ones again) and
//      switch the process's analyzer to them.
//   3. Customers with purchases in id order, by keyset pagination after the run's cursor, `chunkSize`
//      at a time, at most `concurrency` chunks refreshing at once. Chunks are committed in order: the
//      cursor only moves past a chunk when it and every chunk before it are done, so a crash loses
//      at most the chunks in flight (they are refreshed again on resume; a refresh is idempotent).
//      Customers a chunk could not refresh (all of them when the call throws) are tried once more,
//      then counted as failed; one customer's failure never fails the rest of its chunk.
//   4. Prune: superseded predictions that were never fulfilled and were superseded more than
//      PREDICTION_RETENTION_DAYS ago are deleted (they can no longer get an outcome and only fill
//      the table; fulfilled ones stay for live accuracy). Failures here are logged, not fatal.
//   5. Finish: succeeded, or failed when every customer failed or on a fatal error (priors, the
//      database going away while the run row is written).
import type { DayClock } from "../../analysis/calendar";
import type { PopulationPriors } from "../../analysis/contract";
import type { Now } from "../../clock";
import type { DatabaseProvider } from "../../config";
import type { Db } from "../../db/client";
import { InputError } from "../../errors";
import type { Logger } from "../../logger";
import { PredictionFailure } from "../customer-predictions";
import type { PredictionService } from "../serving/prediction-service";
import { type AnalyzerSource, fitAndStorePriors, latestPriors } from "../store/priors-store";

export type BatchRunStatus = "running" | "succeeded" | "failed";
export type BatchRunTrigger = "cli" | "api" | "cron" | "lambda";

/** A BatchRun row. */
export interface BatchRunRecord {
  id: number;
  status: string;
  trigger: string;
  startedAt: Date;
  heartbeatAt: Date;
  finishedAt: Date | null;
  priorsFingerprint: string | null;
  total: number;
  processed: number;
  failed: number;
  cursor: number;
  error: string | null;
  resumes: number;
  pruned: number;
}

/** A running run whose heartbeat is older than this has lost its process. */
export const HEARTBEAT_STALE_MS = 2 * 60_000;
/** How often a working run moves its heartbeat, whatever it is doing (fitting priors included). */
export const HEARTBEAT_INTERVAL_MS = 30_000;
/** Superseded, unfulfilled predictions are kept this long (then pruned by each run). */
export const PREDICTION_RETENTION_DAYS = 180;
export const DEFAULT_CHUNK_SIZE = 500;
export const DEFAULT_CONCURRENCY = 2;

/** What the run needs of the prediction runtime (a PredictionRuntime has it all). */
export interface BatchRefreshRuntime {
  service: Pick<PredictionService, "refresh">;
  analyzers: Pick<AnalyzerSource, "use">;
  clock: Pick<DayClock, "timeZone">;
  /** The service's clock: the pruning cut-off counts back from it (supersededAt is on it too). */
  now?: Now;
}

export interface BatchRefreshDeps {
  db: Db;
  runtime: BatchRefreshRuntime;
  log: Logger;
  /** Which database `db` talks to (the claim's lock on PostgreSQL, the dialect of bulk reads). */
  provider: DatabaseProvider;
}

export type BatchProgress =
  | { phase: "priors"; customers: number }
  | { phase: "customers"; total: number; processed: number; failed: number };

export interface BatchRefreshOptions {
  /** Resume this run (after a crash or a stop); absent: start a new run or join the running one. */
  runId?: number;
  trigger: BatchRunTrigger;
  /** Customers per service.refresh call (default 500). */
  chunkSize?: number;
  /** Chunks refreshing at once (default 2). */
  concurrency?: number;
  /** Fit new priors first (default true); false uses the newest stored ones. */
  fitPriors?: boolean;
  /** Called while priors are fitted, when the customers start, and after each committed chunk. */
  onProgress?: (progress: BatchProgress) => void;
  /** Aborting stops taking new chunks: the chunks in flight finish and are committed, the run stays resumable. */
  signal?: AbortSignal;
}

export interface BatchRefreshSummary {
  runId: number;
  status: BatchRunStatus;
  /** "new" or "resumed": this call did the work; "joined": another process is running it; "finished": nothing to do. */
  outcome: ClaimOutcome;
  /** Customers with purchases when the run started. */
  total: number;
  /** Customers done by the whole run (every attempt), failed ones included. */
  processed: number;
  failed: number;
  /** Of `processed`, those done by this call. */
  processedNow: number;
  /** This call's time, priors included. */
  seconds: number;
  /** processedNow / the seconds spent on customers (seconds − priorsSeconds): what a progress bar shows. */
  customersPerSecond: number;
  priorsFingerprint: string | null;
  priorsSeconds: number;
  /** True when this call stopped early (signal) and left the run to be resumed. */
  stopped: boolean;
  pruned: number;
  error: string | null;
}

export type ClaimOutcome = "new" | "resumed" | "joined" | "finished";

export interface Claim {
  run: BatchRunRecord;
  outcome: ClaimOutcome;
}

/**
 * Runs (or resumes, or joins) a batch refresh to its end.
 *
 * @example
 *   const summary = await runBatchRefresh({ db, runtime, log }, { trigger: "cli" });
 *   summary.status; // "succeeded"
 * @throws InputError for an unknown runId; the run's fatal error (after marking the run failed).
 */
export async function runBatchRefresh(
  deps: BatchRefreshDeps,
  options: BatchRefreshOptions,
): Promise<BatchRefreshSummary> {
  const started = performance.now();
  checkOptions(options);
  const claim = await claimBatchRun(deps, options);
  return executeClaim(deps, claim, options, started);
}

/**
 * Starts a run (`runId` absent), takes up a stale one (`runId`), or finds that there is nothing to do:
 * another process's run is live ("joined") or the run has finished ("finished").
 */
export async function claimBatchRun(
  deps: Pick<BatchRefreshDeps, "db" | "provider">,
  options: Pick<BatchRefreshOptions, "runId" | "trigger">,
): Promise<Claim> {
  const { db } = deps;
  const postgres = deps.provider === "postgresql";
  // Counted before the claim's transaction, so the advisory lock is held for milliseconds only.
  const total = options.runId === undefined ? await countCustomersWithPurchases(db) : 0;
  return queued(db, () =>
    db.$transaction(
      async (tx) => {
        if (postgres)
          await tx.$queryRaw`SELECT pg_advisory_xact_lock(${BATCH_RUN_LOCK}::bigint)::text AS "locked"`;
        const now = new Date();
        if (options.runId !== undefined) {
          const run = await tx.batchRun.findUnique({ where: { id: options.runId } });
          if (!run) throw new InputError(`No batch run with id ${options.runId}`);
          if (run.status !== "running") return { run, outcome: "finished" as const };
          if (isLive(run, now)) return { run, outcome: "joined" as const };
          const taken = await tx.batchRun.update({
            where: { id: run.id },
            data: { heartbeatAt: now, resumes: { increment: 1 } },
          });
          return { run: taken, outcome: "resumed" as const };
        }
        const running = await tx.batchRun.findMany({ where: { status: "running" }, orderBy: { id: "desc" } });
        const live = running.find((run) => isLive(run, now));
        if (live) return { run: live, outcome: "joined" as const };
        if (running.length) {
          // Their processes died (or were stopped) long ago: a new run starts over with fresh priors.
          await tx.batchRun.updateMany({
            where: { id: { in: running.map((run) => run.id) }, status: "running" },
            data: {
              status: "failed",
              finishedAt: now,
              error: "abandoned: no heartbeat, superseded by a new run",
            },
          });
        }
        const run = await tx.batchRun.create({
          data: { status: "running", trigger: options.trigger, startedAt: now, heartbeatAt: now, total },
        });
        return { run, outcome: "new" as const };
      },
      { maxWait: 15_000, timeout: 15_000 },
    ),
  );
}

/**
 * The newest run still marked running whose heartbeat is stale (its process died or was stopped):
 * what `npm run refresh` resumes by default.
 */
export async function latestUnfinishedRun(db: Db, now = new Date()): Promise<BatchRunRecord | undefined> {
  const run = await db.batchRun.findFirst({ where: { status: "running" }, orderBy: { id: "desc" } });
  return run && !isLive(run, now) ? run : undefined;
}

/** The run with that id, or undefined. */
export async function findBatchRun(db: Db, id: number): Promise<BatchRunRecord | undefined> {
  return (await db.batchRun.findUnique({ where: { id } })) ?? undefined;
}

/** The newest runs first, at most `first` of them. */
export async function recentBatchRuns(db: Db, first: number): Promise<BatchRunRecord[]> {
  return db.batchRun.findMany({ orderBy: { id: "desc" }, take: first });
}

/** Progress from 0 to 1 (customers done / customers with purchases at the start; 1 once succeeded). */
export function runProgress(run: Pick<BatchRunRecord, "status" | "total" | "processed">): number {
  if (run.status === "succeeded") return 1;
  if (run.total <= 0) return 0;
  return Math.min(1, run.processed / run.total);
}

/**
 * Refreshes customers with the service; the customers it could not refresh (a call that throws: all
 * of them) are tried once more, then reported as failed (with the last error) instead of throwing.
 * One customer's failure never counts another as failed.
 */
export async function refreshWithRetry(
  service: Pick<PredictionService, "refresh">,
  ids: readonly number[],
  log: Logger,
): Promise<{ refreshed: number[]; failed: number[]; error?: string }> {
  let pending = [...new Set(ids)];
  let error: unknown;
  for (let attempt = 1; attempt <= 2 && pending.length; attempt++) {
    try {
      const failures = (await service.refresh(pending)).filter((r) => r instanceof PredictionFailure);
      pending = failures.map((failure) => failure.customerId);
      error = failures[0];
    } catch (thrown) {
      error = thrown;
    }
    if (!pending.length) break;
    log[attempt === 1 ? "warn" : "error"](
      { err: error, customers: pending.length, from: pending[0], to: pending[pending.length - 1] },
      attempt === 1 ? "refresh failed: retrying" : "refresh failed twice: customers counted as failed",
    );
  }
  const failed = new Set(pending);
  return {
    refreshed: ids.filter((id) => !failed.has(id)),
    failed: pending,
    ...(pending.length ? { error: messageOf(error) } : {}),
  };
}

// ---- private helpers ----

/** pg_advisory_xact_lock key of the claim ("cai batch run"); Prisma's migrations use 72707369. */
const BATCH_RUN_LOCK = 4_242_105_017;

class StopRequested extends Error {
  override name = "StopRequested";
}

/** This process lost the run to another one (it was considered dead and resumed elsewhere). */
class RunTakenOver extends Error {
  override name = "RunTakenOver";
}

export function checkOptions(options: Pick<BatchRefreshOptions, "chunkSize" | "concurrency">): void {
  const { chunkSize = DEFAULT_CHUNK_SIZE, concurrency = DEFAULT_CONCURRENCY } = options;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1 || chunkSize > 10_000) {
    throw new RangeError(`chunkSize: expected a whole number from 1 to 10000, got ${chunkSize}`);
  }
  if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new RangeError(`concurrency: expected a whole number from 1 to 64, got ${concurrency}`);
  }
}

function isLive(run: Pick<BatchRunRecord, "heartbeatAt">, now: Date): boolean {
  return now.getTime() - run.heartbeatAt.getTime() < HEARTBEAT_STALE_MS;
}

/** Claims inside one process go one after another (SQLite has no advisory locks). */
const claimQueues = new WeakMap<object, Promise<unknown>>();

function queued<T>(db: Db, work: () => Promise<T>): Promise<T> {
  const previous = claimQueues.get(db) ?? Promise.resolve();
  const next = previous.then(work, work);
  claimQueues.set(
    db,
    next.catch(() => {}),
  );
  return next;
}

async function countCustomersWithPurchases(db: Db): Promise<number> {
  const [row] = await db.$queryRaw<Array<{ n: number | bigint }>>`
    SELECT COUNT(*) AS "n" FROM "Customer" c
    WHERE EXISTS (SELECT 1 FROM "Purchase" p WHERE p."customerId" = c."id")`;
  return Number(row?.n ?? 0);
}

/** The next `limit` customers with purchases after `after`, in id order (the (customerId, purchasedAt) index answers EXISTS). */
async function customersWithPurchasesAfter(db: Db, after: number, limit: number): Promise<number[]> {
  const rows = await db.$queryRaw<Array<{ id: number | bigint }>>`
    SELECT c."id" FROM "Customer" c
    WHERE c."id" > ${after} AND EXISTS (SELECT 1 FROM "Purchase" p WHERE p."customerId" = c."id")
    ORDER BY c."id" LIMIT ${limit}`;
  return rows.map((row) => Number(row.id));
}

/** Deletes superseded predictions that never got an outcome and were superseded before the retention. */
async function prunePredictions(db: Db, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - PREDICTION_RETENTION_DAYS * 86_400_000);
  let pruned = 0;
  for (;;) {
    // A bounded batch per statement: no long lock, no huge transaction.
    const deleted = await db.$executeRaw`
      DELETE FROM "Prediction" WHERE "id" IN (
        SELECT "id" FROM "Prediction"
        WHERE "supersededAt" < ${cutoff} AND "fulfilledAt" IS NULL LIMIT ${PRUNE_BATCH}
      )`;
    pruned += deleted;
    if (deleted < PRUNE_BATCH) return pruned;
  }
}

const PRUNE_BATCH = 5_000;

/**
 * A run rewrites every customer's predictions, so PostgreSQL's planner statistics of the table are
 * refreshed now rather than whenever autovacuum gets to it (never, where it is off). With statistics
 * of an emptier table the planner joins the fulfilledAt index into recordPurchase's lookup of open
 * predictions and reads every open prediction's index entry: measured 27 purchases/s before ANALYZE
 * and 99 after, on 10,000 customers.
 */
async function analyzePredictions(db: Db): Promise<void> {
  await db.$executeRawUnsafe('ANALYZE "Prediction"');
}

async function priorsByFingerprint(db: Db, fingerprint: string): Promise<PopulationPriors> {
  const row = await db.populationPriors.findUnique({ where: { fingerprint } });
  if (!row) throw new Error(`The run's priors ${fingerprint} are no longer stored: start a new run`);
  return JSON.parse(row.data) as PopulationPriors;
}

function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 1_000);
}

/** Does the work of a claimed run (or reports the claim when there is nothing to do). */
export async function executeClaim(
  deps: BatchRefreshDeps,
  claim: Claim,
  options: BatchRefreshOptions,
  started: number,
): Promise<BatchRefreshSummary> {
  const { db, runtime, log } = deps;
  const { run } = claim;
  const summary = (
    row: BatchRunRecord,
    extra: Partial<BatchRefreshSummary> & { processedNow: number },
  ): BatchRefreshSummary => {
    const seconds = (performance.now() - started) / 1000;
    const refreshing = seconds - (extra.priorsSeconds ?? 0);
    return {
      runId: row.id,
      status: row.status as BatchRunStatus,
      outcome: claim.outcome,
      total: row.total,
      processed: row.processed,
      failed: row.failed,
      seconds,
      customersPerSecond: refreshing > 0 ? extra.processedNow / refreshing : 0,
      priorsFingerprint: row.priorsFingerprint,
      priorsSeconds: 0,
      stopped: false,
      pruned: row.pruned,
      error: row.error,
      ...extra,
    };
  };
  if (claim.outcome === "joined" || claim.outcome === "finished") {
    log.info(
      { runId: run.id, outcome: claim.outcome, status: run.status },
      "batch refresh: nothing to do here",
    );
    return summary(run, { processedNow: 0 });
  }

  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  // Every write to the run row names the resumes it was claimed with: if the run was declared dead
  // and taken up elsewhere meanwhile, this process finds out and stops instead of racing it.
  const owner = { id: run.id, status: "running", resumes: run.resumes };
  const write = async (data: Parameters<Db["batchRun"]["updateMany"]>[0]["data"]) => {
    const { count } = await db.batchRun.updateMany({ where: owner, data });
    if (count === 0) throw new RunTakenOver(`Batch run ${run.id} was taken over by another process`);
  };
  const heartbeat = setInterval(() => {
    write({ heartbeatAt: new Date() }).catch((error: unknown) =>
      log.warn({ err: error, runId: run.id }, "batch run heartbeat failed"),
    );
  }, HEARTBEAT_INTERVAL_MS);
  heartbeat.unref();

  let processedNow = 0;
  let priorsSeconds = 0;
  let stopped = false;
  let current: BatchRunRecord = run;
  log.info(
    { runId: run.id, outcome: claim.outcome, cursor: run.cursor, total: run.total },
    "batch refresh started",
  );
  try {
    // ---- priors ----
    const priorsStarted = performance.now();
    let priors: PopulationPriors;
    if (run.priorsFingerprint) {
      priors = await priorsByFingerprint(db, run.priorsFingerprint);
    } else if (options.fitPriors ?? true) {
      const stored = await fitAndStorePriors(db, deps.provider, {
        timeZone: runtime.clock.timeZone,
        onCustomer: (customers) => {
          // Thrown inside the fit's loop: a stop does not wait for a whole-database read.
          if (options.signal?.aborted) throw new StopRequested("stopped while fitting priors");
          if (customers % 100 === 0) options.onProgress?.({ phase: "priors", customers });
        },
      });
      priors = stored.priors;
      log.info(
        { runId: run.id, customers: stored.customers, fingerprint: priors.fingerprint },
        "priors fitted",
      );
    } else {
      const stored = await latestPriors(db);
      if (!stored) throw new Error("No population priors are stored yet: run once with priors fitting");
      priors = stored.priors;
    }
    runtime.analyzers.use(priors);
    priorsSeconds = (performance.now() - priorsStarted) / 1000;
    if (run.priorsFingerprint !== priors.fingerprint) await write({ priorsFingerprint: priors.fingerprint });
    current = { ...current, priorsFingerprint: priors.fingerprint };

    // ---- customers ----
    let cursor = run.cursor;
    let processed = run.processed;
    let failed = run.failed;
    let lastError: string | undefined;
    let after = cursor;
    let exhausted = false;
    const inFlight: Array<{ lastId: number; size: number; done: ReturnType<typeof refreshWithRetry> }> = [];
    // The customers phase starts now (a progress bar measures its rate from here).
    options.onProgress?.({ phase: "customers", total: run.total, processed, failed });
    for (;;) {
      while (!exhausted && inFlight.length < concurrency && !options.signal?.aborted) {
        const ids = await customersWithPurchasesAfter(db, after, chunkSize);
        if (ids.length < chunkSize) exhausted = true;
        if (!ids.length) break;
        after = ids[ids.length - 1]!;
        inFlight.push({ lastId: after, size: ids.length, done: refreshWithRetry(runtime.service, ids, log) });
      }
      const head = inFlight.shift();
      if (!head) break;
      const outcome = await head.done;
      cursor = head.lastId;
      processed += head.size;
      failed += outcome.failed.length;
      processedNow += head.size;
      if (outcome.error) lastError = outcome.error;
      await write({
        cursor,
        processed: { increment: head.size },
        failed: { increment: outcome.failed.length },
        heartbeatAt: new Date(),
        ...(outcome.error ? { error: outcome.error } : {}),
      });
      options.onProgress?.({ phase: "customers", total: run.total, processed, failed });
      // On SQLite every query runs synchronously and analyses are CPU work: let the server's requests
      // (and timers) in between chunks.
      await new Promise((resolve) => setImmediate(resolve));
    }
    current = { ...current, cursor, processed, failed, error: lastError ?? current.error };

    if (options.signal?.aborted && !exhausted) {
      throw new StopRequested("stopped between chunks");
    }

    // ---- prune, planner statistics and finish ----
    let pruned = 0;
    try {
      pruned = await prunePredictions(db, runtime.now?.() ?? new Date());
      if (pruned) log.info({ runId: run.id, pruned }, "old superseded predictions pruned");
    } catch (error) {
      log.warn({ err: error, runId: run.id }, "pruning old predictions failed: left for the next run");
    }
    if (deps.provider === "postgresql") {
      await analyzePredictions(db).catch((error: unknown) =>
        log.warn({ err: error, runId: run.id }, "ANALYZE of the Prediction table failed"),
      );
    }
    const status: BatchRunStatus = processed > 0 && failed >= processed ? "failed" : "succeeded";
    const finishedAt = new Date();
    clearInterval(heartbeat);
    await write({ status, finishedAt, heartbeatAt: finishedAt, pruned: { increment: pruned } });
    current = { ...current, status, finishedAt, pruned: current.pruned + pruned };
    log.info({ runId: run.id, status, processed, failed, pruned }, "batch refresh finished");
  } catch (error) {
    clearInterval(heartbeat); // no tick may move the heartbeat after the release below
    if (error instanceof StopRequested) {
      stopped = true;
      // Released: the heartbeat is cleared so `npm run refresh` (or a replica) takes it up at once.
      await write({ heartbeatAt: new Date(0) }).catch((e: unknown) =>
        log.warn({ err: e, runId: run.id }, "could not release the stopped batch run"),
      );
      log.info({ runId: run.id, reason: error.message }, "batch refresh stopped: resumable");
    } else if (error instanceof RunTakenOver) {
      throw error;
    } else {
      const message = messageOf(error);
      await write({ status: "failed", finishedAt: new Date(), error: message }).catch((e: unknown) =>
        log.error({ err: e, runId: run.id }, "could not mark the batch run failed"),
      );
      throw error;
    }
  } finally {
    clearInterval(heartbeat);
  }
  const final = (await findBatchRun(db, run.id)) ?? current;
  return summary(final, { processedNow, priorsSeconds, stopped });
}
