// BullMQ keeps jobs in Redis: a Redis that evicts keys under memory pressure would silently drop jobs
// (a chunk never runs, a run never ends). Said at start-up by every process that uses the queue.
import type { Logger } from "../../../logger";
import type { RefreshQueue } from "./refresh-queue";

/** The eviction policy in the text of Redis's INFO, e.g. "noeviction"; undefined when it says none. */
export function evictionPolicyIn(info: string): string | undefined {
  return /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
}

/** The warning for a Redis with this policy, or undefined when it never evicts. */
export function evictionWarning(policy: string | undefined): string | undefined {
  if (policy === "noeviction") return undefined;
  return (
    `Redis maxmemory-policy is ${policy ?? "unknown"}: the refresh queue needs noeviction ` +
    "(an evicted job is a chunk that never runs); set maxmemory-policy noeviction, or give the queue a Redis of its own"
  );
}

/** Logs a warning unless Redis is set to noeviction; a Redis that cannot be asked is logged too. */
export async function checkEvictionPolicy(queue: RefreshQueue, log: Logger): Promise<void> {
  try {
    const client = await queue.queue.client;
    const policy = evictionPolicyIn(await client.info());
    const warning = evictionWarning(policy);
    if (warning) log.warn({ maxmemoryPolicy: policy ?? "unknown" }, warning);
  } catch (error) {
    log.warn({ err: error }, "could not read Redis's maxmemory-policy");
  }
}
