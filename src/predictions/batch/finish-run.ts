// The end of a batch run, wherever it ran (in process or on the queue): prune what the retention
// lets go, refresh PostgreSQL's statistics, decide the status from the tally and write it.
import type { DatabaseProvider } from "../../config";
import type { Db } from "../../db/client";
import type { Logger } from "../../logger";
import type { BatchRunStatus, RunUpdate, RunWriter } from "./batch-run-ledger";
import { analyzePredictions, prunePredictions } from "./prune";

export interface RunTally {
  /** Customers done, failed ones included. */
  processed: number;
  failed: number;
  /** Chunks that failed for good on the queue (their customers are in `failed`). */
  failedChunks?: number;
}

export interface FinishedRun {
  status: BatchRunStatus;
  finishedAt: Date;
  pruned: number;
}

/**
 * failed when every customer failed; partial when chunks failed for good but others were refreshed;
 * succeeded otherwise (customers that failed alone are counted in `failed`).
 */
export function statusOf({ processed, failed, failedChunks = 0 }: RunTally): BatchRunStatus {
  if (processed > 0 && failed >= processed) return "failed";
  return failedChunks > 0 ? "partial" : "succeeded";
}

/**
 * Prunes (failures logged: left for the next run), analyzes the Prediction table on PostgreSQL, and
 * marks the run finished with `extra` written alongside.
 *
 * @throws RunTakenOver when the run is no longer this process's.
 */
export async function finishRun(
  deps: { db: Db; provider: DatabaseProvider; log: Logger; now: Date },
  writer: RunWriter,
  runId: number,
  tally: RunTally,
  extra: RunUpdate = {},
): Promise<FinishedRun> {
  const { db, log } = deps;
  let pruned = 0;
  try {
    pruned = await prunePredictions(db, deps.now);
    if (pruned) log.info({ runId, pruned }, "old superseded predictions pruned");
  } catch (error) {
    log.warn({ err: error, runId }, "pruning old predictions failed: left for the next run");
  }
  if (deps.provider === "postgresql") {
    await analyzePredictions(db).catch((error: unknown) =>
      log.warn({ err: error, runId }, "ANALYZE of the Prediction table failed"),
    );
  }
  const status = statusOf(tally);
  const finishedAt = new Date();
  await writer.write({
    ...extra,
    status,
    finishedAt,
    heartbeatAt: finishedAt,
    pruned: { increment: pruned },
  });
  log.info({ runId, status, ...tally, pruned }, "batch refresh finished");
  return { status, finishedAt, pruned };
}
