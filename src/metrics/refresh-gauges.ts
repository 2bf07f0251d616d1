// The gauges of the batch refresh every process reports when asked: the refresh queue's jobs by state
// (with REDIS_URL) and the running run's progress (its counts from its flow when it runs on the queue).
import type { Db } from "../db/client";
import { type BatchRunRecord, runProgress } from "../predictions/batch/batch-run-ledger";
import type { RefreshQueue } from "../predictions/batch/queue/refresh-queue";
import type { ServiceMetrics } from "./service-metrics";

export function watchRefreshes(
  metrics: ServiceMetrics,
  {
    db,
    queue,
    current,
  }: { db: Db; queue?: RefreshQueue; current: (run: BatchRunRecord) => Promise<BatchRunRecord> },
): void {
  if (queue) metrics.watchQueue(() => queue.counts());
  metrics.watchRun(async () => {
    const run = await db.batchRun.findFirst({ where: { status: "running" }, orderBy: { id: "desc" } });
    return run ? runProgress(await current(run)) : undefined;
  });
}
