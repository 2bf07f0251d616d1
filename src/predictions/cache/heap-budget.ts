// Whether a process's V8 heap can hold the prediction cache it is configured for. `npm start` caps the
// heap (--max-old-space-size in package.json) so that RSS stays flat under load: without a cap, V8 on
// a large machine lets the heap grow to about four times its live size between full collections. A
// cache configured past that cap ends in an out-of-memory crash, not an error, so the server says so
// when it starts.
import type { PredictionConfig } from "../../config";

/** Heap one cached customer's predictions take (measured; the README's "about 22 KB"). */
export const HEAP_BYTES_PER_CACHED_CUSTOMER = 22_000;
/** The share of the heap limit the cache and the rest of the server may fill before collections thrash. */
const USABLE_SHARE = 0.6;
/** A margin for the rest of the server's live heap: code, schema, requests in flight. */
const HEAP_BYTES_BESIDES_CACHE = 64 * 2 ** 20;

type CacheSizing = Pick<PredictionConfig, "redisUrl" | "cacheMaxEntries" | "cacheNearMaxEntries">;

/**
 * A warning when the prediction cache this configuration keeps in the process could outgrow the
 * heap, or undefined when it fits.
 *
 * @example
 *   const warning = cacheHeapWarning(config.predictions, v8.getHeapStatistics().heap_size_limit);
 *   if (warning) log.warn(warning);
 */
export function cacheHeapWarning(config: CacheSizing, heapLimitBytes: number): string | undefined {
  const [variable, entries] = config.redisUrl
    ? ["CACHE_NEAR_MAX_ENTRIES", config.cacheNearMaxEntries]
    : ["CACHE_MAX_ENTRIES", config.cacheMaxEntries];
  const cacheBytes = entries * HEAP_BYTES_PER_CACHED_CUSTOMER;
  if (cacheBytes + HEAP_BYTES_BESIDES_CACHE <= heapLimitBytes * USABLE_SHARE) return undefined;
  const needed = Math.ceil((cacheBytes + HEAP_BYTES_BESIDES_CACHE) / USABLE_SHARE / 2 ** 20);
  return (
    `${variable}=${entries} keeps up to about ${mib(cacheBytes)} MiB of predictions in this process, ` +
    `but its heap limit is ${mib(heapLimitBytes)} MiB: run node with --max-old-space-size=${needed} ` +
    `or more, or lower ${variable}`
  );
}

function mib(bytes: number): string {
  return Math.round(bytes / 2 ** 20).toLocaleString("en-US");
}
