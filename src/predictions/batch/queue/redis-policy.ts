// BullMQ keeps jobs in Redis: a Redis that evicts keys under memory pressure would silently drop jobs
// (a chunk never runs, a run never ends). Said at start-up by every process that uses the queue.
import type { Logger } from "../../../logger";
import type { RefreshQueue } from "./refresh-queue";

/** The eviction policy Redis reports (INFO memory), e.g. "noeviction". */
export async function evictionPolicy(queue: RefreshQueue): Promise<string | undefined> {
  const client = await queue.queue.client;
  const info = await client.info();
  return /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
}

/** Logs a warning unless Redis is set to noeviction; a Redis that cannot be asked is logged too. */
export async function checkEvictionPolicy(queue: RefreshQueue, log: Logger): Promise<void> {
  try {
    const policy = await evictionPolicy(queue);
    if (policy !== "noeviction") {
      log.warn(
        { maxmemoryPolicy: policy ?? "unknown" },
        `Redis maxmemory-policy is ${policy ?? "unknown"}: the refresh queue needs noeviction ` +
          "(an evicted job is a chunk that never runs); set maxmemory-policy noeviction, or give the queue a Redis of its own",
      );
    }
  } catch (error) {
    log.warn({ err: error }, "could not read Redis's maxmemory-policy");
  }
}
