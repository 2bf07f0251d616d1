// Preparing a claimed run for the queue: fit (or take) its priors and pin them on the row, cut the
// customers with purchases into id ranges of at most CHUNK_LIMIT, then add the whole flow at once.
// Done by `npm run refresh` in its own process, and by a worker for the API server (a prepare job:
// prepare-job.ts) and for the schedule (its scheduled job). In a job, the fit's few seconds of CPU stay
// far inside the job's lock (WORKER_LOCK_MS, renewed at half of it). Should the lock lapse anyway, the
// job's second delivery stands down once the flow is on the queue, or else prepares the same run
// again: the same priors, and a flow whose jobs are already there is not added twice (ids come from
// the run).
// While this runs, the run's heartbeat moves, so replicas join the run instead of starting another.
import type { DatabaseProvider } from "../../../config";
import type { Db } from "../../../db/client";
import type { Logger } from "../../../logger";
import type { BatchProgress } from "../batch-refresh";
import { type BatchRunRecord, RunWriter } from "../batch-run-ledger";
import { customersWithPurchasesAfter, messageOf } from "../refresh-chunk";
import { priorsForRun } from "../run-priors";
import { CHUNK_LIMIT, type ChunkJobData, type RefreshQueue } from "./refresh-queue";

export interface PrepareDeps {
  db: Db;
  provider: DatabaseProvider;
  log: Logger;
  queue: RefreshQueue;
  /** TIME_ZONE: the priors fit's calendar. */
  timeZone: string;
}

export interface PrepareOptions {
  /** Customers per chunk job (at most CHUNK_LIMIT). */
  chunkSize: number;
  fitPriors?: boolean;
  /** Called while the priors are fitted. */
  onProgress?: (progress: BatchProgress) => void;
}

/**
 * @throws the step's error, after marking the run failed with it.
 */
export async function prepareQueuedRun(
  deps: PrepareDeps,
  run: BatchRunRecord,
  options: PrepareOptions,
): Promise<void> {
  const { db, log } = deps;
  const writer = new RunWriter(db, run);
  const stopBeating = writer.beat((error) =>
    log.warn({ err: error, runId: run.id }, "batch run heartbeat failed"),
  );
  try {
    const priors = await priorsForRun(deps, run, {
      ...(options.fitPriors === undefined ? {} : { fitPriors: options.fitPriors }),
      onCustomer: (customers) => {
        if (customers % 100 === 0) options.onProgress?.({ phase: "priors", customers });
      },
    });
    await writer.write({ priorsFingerprint: priors.fingerprint, heartbeatAt: new Date() });
    const chunks = await chunkRanges(
      db,
      run.id,
      priors.fingerprint,
      Math.min(options.chunkSize, CHUNK_LIMIT),
    );
    const total = chunks.reduce((sum, chunk) => sum + chunk.size, 0);
    // Before the flow: whoever watches it divides by the right total.
    await writer.write({ total, heartbeatAt: new Date() });
    await deps.queue.enqueueFlow(run, chunks);
    log.info({ runId: run.id, chunks: chunks.length, customers: total }, "batch run on the queue");
  } catch (error) {
    await writer.fail(`preparing: ${messageOf(error)}`, log);
    throw error;
  } finally {
    stopBeating();
  }
}

/** The customers with purchases in id order, cut into ranges of `size` (the last one shorter). */
async function chunkRanges(
  db: Db,
  runId: number,
  fingerprint: string,
  size: number,
): Promise<ChunkJobData[]> {
  const chunks: ChunkJobData[] = [];
  let after = 0;
  for (;;) {
    const ids = await customersWithPurchasesAfter(db, after, size);
    if (!ids.length) break;
    const through = ids[ids.length - 1]!;
    chunks.push({ runId, after, through, size: ids.length, fingerprint });
    after = through;
    if (ids.length < size) break;
  }
  return chunks;
}
