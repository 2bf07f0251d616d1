// A run's counts as its flow has them: the results its finished chunks returned, and the chunks that
// failed for good (their customers all count as failed). A chunk that ran twice has one result, so
// the counts hold under at-least-once delivery.
import { Job, type Queue } from "bullmq";
import type { RunTally } from "../finish-run";
import { type ChunkJobData, type ChunkResult, idOfKey, type RunJobData } from "./refresh-queue";

export interface FlowTally extends RunTally {
  failedChunks: number;
  /** Chunks not finished yet. */
  pendingChunks: number;
  /** The reason of one chunk that failed for good, else of one customer's failure. */
  error?: string;
}

/** Counts the run job's children. */
export async function tallyOf(queue: Queue, runJob: Job<RunJobData>): Promise<FlowTally> {
  const [values, failures, dependencies] = await Promise.all([
    runJob.getChildrenValues<ChunkResult>(),
    runJob.getIgnoredChildrenFailures(),
    runJob.getDependenciesCount({ unprocessed: true }),
  ]);
  const tally: FlowTally = {
    processed: 0,
    failed: 0,
    failedChunks: 0,
    pendingChunks: dependencies.unprocessed ?? 0,
  };
  for (const result of Object.values(values)) {
    tally.processed += result.processed;
    tally.failed += result.failed;
    if (result.error) tally.error ??= result.error;
  }
  for (const [key, reason] of Object.entries(failures)) {
    // Failed chunks are kept (removeOnFail keeps them for 30 days): their data says how many customers.
    const chunk = await Job.fromId<ChunkJobData>(queue, idOfKey(key));
    const size = chunk?.data.size ?? 0;
    tally.processed += size;
    tally.failed += size;
    tally.failedChunks++;
    tally.error = `chunk of customers ${chunk?.data.after ?? "?"} < id ≤ ${chunk?.data.through ?? "?"} failed: ${reason}`;
  }
  return tally;
}
