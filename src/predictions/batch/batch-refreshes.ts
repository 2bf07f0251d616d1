// How a long-lived API server runs batch refreshes: with REDIS_URL (and the queue configured) on the
// queue, REFRESH_CRON kept as a BullMQ job scheduler that fires once per tick across replicas; without
// it in this process, REFRESH_CRON ticking here (croner) and the BatchRun claim keeping replicas to
// one run.
import type { DatabaseProvider, QueueConfig } from "../../config";
import type { Db } from "../../db/client";
import type { Logger } from "../../logger";
import type { BatchRefreshRuntime } from "./batch-refresh";
import { BatchRunner } from "./batch-runner";
import { QueuedBatchRunner } from "./queue/queued-runner";
import { checkEvictionPolicy } from "./queue/redis-policy";
import { RefreshQueue } from "./queue/refresh-queue";
import type { RefreshRunner } from "./refresh-runner";
import { scheduleRefresh } from "./refresh-schedule";

export interface BatchRefreshesOptions {
  db: Db;
  provider: DatabaseProvider;
  runtime: BatchRefreshRuntime;
  log: Logger;
  /** REDIS_URL and the queue's settings: both given → the queue. */
  redisUrl?: string;
  queue?: Pick<QueueConfig, "prefix">;
  /** REFRESH_CRON, read in `timeZone`. */
  cron?: string;
  timeZone: string;
}

export interface BatchRefreshes {
  runner: RefreshRunner;
  /** The refresh queue, when runs go there. */
  queue?: RefreshQueue;
  stop(): Promise<void>;
}

export async function startBatchRefreshes(options: BatchRefreshesOptions): Promise<BatchRefreshes> {
  const { db, provider, runtime, log, cron, timeZone } = options;
  if (options.redisUrl && options.queue) {
    const queue = new RefreshQueue({ redisUrl: options.redisUrl, prefix: options.queue.prefix, log });
    await checkEvictionPolicy(queue, log);
    await queue
      .schedule(cron, timeZone)
      .catch((error: unknown) => log.error({ err: error, cron }, "could not set the refresh schedule"));
    const runner = new QueuedBatchRunner({ db, provider, log, queue, timeZone });
    return {
      runner,
      queue,
      async stop() {
        await runner.stop();
        await queue.close();
      },
    };
  }
  const runner = new BatchRunner({ db, runtime, log, provider });
  const schedule = cron
    ? scheduleRefresh({ cron, timeZone, log, start: () => runner.run("cron") })
    : undefined;
  return {
    runner,
    async stop() {
      schedule?.stop();
      // A run stops taking chunks and finishes those in flight; it stays resumable.
      await runner.stop();
    },
  };
}
