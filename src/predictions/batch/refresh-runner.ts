// What the API server (and its schedule) asks of the batch refresh, whether it runs in this process
// (BatchRunner) or on the queue (QueuedBatchRunner, with REDIS_URL).
import type { Logger } from "../../logger";
import type { BatchRefreshOptions } from "./batch-refresh";
import type { BatchRunRecord, BatchRunTrigger } from "./batch-run-ledger";

export type StartOptions = Omit<BatchRefreshOptions, "trigger" | "signal" | "runId" | "onProgress">;

export interface RefreshRunner {
  /**
   * Starts a run in the background and returns its row as it stands, or the row of the run already
   * going (here or in another process). Resolves once the run is claimed; the work goes on after.
   */
  start(trigger: BatchRunTrigger, options?: StartOptions, log?: Logger): Promise<BatchRunRecord>;
  /** The run as it stands now: a run on the queue has its counts read from its flow. */
  current(run: BatchRunRecord): Promise<BatchRunRecord>;
  /** Stops starting runs; what this process was doing is left resumable. */
  stop(): Promise<void>;
}
