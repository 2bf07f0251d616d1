// Follows a run on the queue to its end, for `npm run refresh`: its counts are read from its flow (its
// chunks' results), its end from its row.
import { setTimeout as sleep } from "node:timers/promises";
import type { Db } from "../../../db/client";
import type { BatchProgress } from "../batch-refresh";
import { type BatchRunRecord, findBatchRun } from "../batch-run-ledger";
import { tallyOf } from "./flow-tally";
import type { RefreshQueue } from "./refresh-queue";

export interface WatchOptions {
  onProgress?: (progress: BatchProgress) => void;
  /** Aborting stops watching (the run goes on in the workers). */
  signal?: AbortSignal;
  /** How often the flow is read (default 500 ms). */
  pollMs?: number;
}

export interface Watched {
  run: BatchRunRecord;
  /** True when the watch was stopped before the run ended. */
  stopped: boolean;
  /** From the start of the watch to the flow's first reading (the run still being prepared elsewhere). */
  priorsSeconds: number;
}

export async function watchQueuedRun(
  deps: { db: Db; queue: RefreshQueue },
  runId: number,
  { onProgress, signal, pollMs = 500 }: WatchOptions = {},
): Promise<Watched> {
  const started = performance.now();
  let priorsSeconds: number | undefined;
  for (;;) {
    const run = await findBatchRun(deps.db, runId);
    if (!run) throw new Error(`Batch run ${runId} is no longer in the database`);
    const seconds = (performance.now() - started) / 1000;
    if (run.status !== "running") {
      const { total, processed, failed } = run;
      onProgress?.({ phase: "customers", total, processed, failed });
      return { run, stopped: false, priorsSeconds: priorsSeconds ?? seconds };
    }
    if (signal?.aborted) return { run, stopped: true, priorsSeconds: priorsSeconds ?? seconds };
    const job = await deps.queue.runJob(run);
    if (job) {
      priorsSeconds ??= seconds;
      const { processed, failed } = await tallyOf(deps.queue.queue, job);
      onProgress?.({ phase: "customers", total: run.total, processed, failed });
    }
    await sleep(pollMs, undefined, { signal }).catch(() => {});
  }
}
