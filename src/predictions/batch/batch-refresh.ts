// The batch refresh in one process (issue 5): claim a run (batch-run-ledger.ts), pin its priors
// (run-priors.ts), then recompute every customer with purchases chunk by chunk (refresh-chunk.ts) and
// finish (finish-run.ts). With REDIS_URL the same steps run on the queue instead (queue/).
//
// Customers with purchases go in id order, by keyset pagination after the run's cursor, `chunkSize`
// at a time, at most `concurrency` chunks refreshing at once. Chunks are committed in order: the
// cursor only moves past a chunk when it and every chunk before it are done, so a crash loses at most
// the chunks in flight (they are refreshed again on resume; a refresh is idempotent). Customers a
// chunk could not refresh (all of them when the call throws) are tried once more, then counted as
// failed; one customer's failure never fails the rest of its chunk. The run fails when every
// customer failed or on a fatal error (priors, the database going away while the run row is written).
import type { DayClock } from "../../analysis/calendar";
import type { Now } from "../../clock";
import type { DatabaseProvider } from "../../config";
import type { Db } from "../../db/client";
import type { Logger } from "../../logger";
import type { PredictionService } from "../serving/prediction-service";
import type { AnalyzerSource } from "../store/priors-store";
import {
  type BatchRunRecord,
  type BatchRunStatus,
  type BatchRunTrigger,
  type Claim,
  type ClaimOutcome,
  claimBatchRun,
  findBatchRun,
  RunTakenOver,
  RunWriter,
} from "./batch-run-ledger";
import { finishRun } from "./finish-run";
import { customersWithPurchasesAfter, messageOf, refreshWithRetry } from "./refresh-chunk";
import { priorsForRun } from "./run-priors";

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

export function checkOptions(options: Pick<BatchRefreshOptions, "chunkSize" | "concurrency">): void {
  const { chunkSize = DEFAULT_CHUNK_SIZE, concurrency = DEFAULT_CONCURRENCY } = options;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1 || chunkSize > 10_000) {
    throw new RangeError(`chunkSize: expected a whole number from 1 to 10000, got ${chunkSize}`);
  }
  if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new RangeError(`concurrency: expected a whole number from 1 to 64, got ${concurrency}`);
  }
}

/** A summary of a run as its row stands, for a call that did `processedNow` of it. */
export function summaryOf(
  row: BatchRunRecord,
  outcome: ClaimOutcome,
  started: number,
  extra: Partial<BatchRefreshSummary> & { processedNow: number },
): BatchRefreshSummary {
  const seconds = (performance.now() - started) / 1000;
  const refreshing = seconds - (extra.priorsSeconds ?? 0);
  return {
    runId: row.id,
    status: row.status as BatchRunStatus,
    outcome,
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
  if (claim.outcome === "joined" || claim.outcome === "finished") {
    log.info(
      { runId: run.id, outcome: claim.outcome, status: run.status },
      "batch refresh: nothing to do here",
    );
    return summaryOf(run, claim.outcome, started, { processedNow: 0 });
  }

  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const writer = new RunWriter(db, run);
  const stopBeating = writer.beat((error) =>
    log.warn({ err: error, runId: run.id }, "batch run heartbeat failed"),
  );

  let processedNow = 0;
  let priorsSeconds = 0;
  let stopped = false;
  log.info(
    { runId: run.id, outcome: claim.outcome, cursor: run.cursor, total: run.total },
    "batch refresh started",
  );
  try {
    // ---- priors ----
    const priorsStarted = performance.now();
    const priors = await priorsForRun({ ...deps, timeZone: runtime.clock.timeZone }, run, {
      ...(options.fitPriors === undefined ? {} : { fitPriors: options.fitPriors }),
      onCustomer: (customers) => {
        // Thrown inside the fit's loop: a stop does not wait for a whole-database read.
        if (options.signal?.aborted) throw new StopRequested("stopped while fitting priors");
        if (customers % 100 === 0) options.onProgress?.({ phase: "priors", customers });
      },
    });
    runtime.analyzers.use(priors);
    priorsSeconds = (performance.now() - priorsStarted) / 1000;
    if (run.priorsFingerprint !== priors.fingerprint)
      await writer.write({ priorsFingerprint: priors.fingerprint });

    // ---- customers ----
    let processed = run.processed;
    let failed = run.failed;
    let after = run.cursor;
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
      processed += head.size;
      failed += outcome.failed.length;
      processedNow += head.size;
      await writer.write({
        cursor: head.lastId,
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

    if (options.signal?.aborted && !exhausted) {
      throw new StopRequested("stopped between chunks");
    }

    // ---- prune, planner statistics and finish ----
    stopBeating();
    await finishRun({ ...deps, now: runtime.now?.() ?? new Date() }, writer, run.id, { processed, failed });
  } catch (error) {
    stopBeating(); // no tick may move the heartbeat after the release below
    if (error instanceof StopRequested) {
      stopped = true;
      // Released: the heartbeat is cleared so `npm run refresh` (or a replica) takes it up at once.
      await writer
        .write({ heartbeatAt: new Date(0) })
        .catch((e: unknown) =>
          log.warn({ err: e, runId: run.id }, "could not release the stopped batch run"),
        );
      log.info({ runId: run.id, reason: error.message }, "batch refresh stopped: resumable");
    } else if (error instanceof RunTakenOver) {
      throw error;
    } else {
      await writer.fail(messageOf(error), log);
      throw error;
    }
  } finally {
    stopBeating();
  }
  const final = (await findBatchRun(db, run.id)) ?? run;
  return summaryOf(final, claim.outcome, started, { processedNow, priorsSeconds, stopped });
}

// ---- private helpers ----

class StopRequested extends Error {
  override name = "StopRequested";
}
