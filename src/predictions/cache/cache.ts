// The prediction cache: Keyv over a bounded in-memory LRU (one process) or Redis (shared by every
// replica), then with a near cache of parsed values in front (near-cache.ts). It never fails its
// caller: an outage or a slow cache reads as misses and skipped writes (logged), so serving degrades
// to computing instead of to errors. Each operation has a short deadline, and a circuit breaker stops
// asking a cache that keeps failing (a half-open connection answers nothing until the socket
// closes): while it is open every operation is a miss or a skipped write at once, and one operation
// per cool-down tries the cache again.
import KeyvRedis, { createClient } from "@keyv/redis";
import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  ConsecutiveBreaker,
  circuitBreaker,
  handleAll,
} from "cockatiel";
import Keyv from "keyv";
import { LRUCache } from "lru-cache";
import type { Logger } from "../../logger";
import { InvalidationChannel } from "./cache-invalidation";
import { NearCache, type NearCacheOptions, type NearEntry } from "./near-cache";

export interface CacheOptions {
  /** redis://… to share the cache between replicas; absent → in-memory. */
  redisUrl?: string;
  /** In-memory only: entries kept at most (least recently used go first). */
  maxEntries: number;
  /** Time to live of every entry. */
  ttlMs: number;
  /** Prefix of every key, so several deployments can share one Redis. */
  namespace: string;
  /**
   * A cache operation slower than this counts as failed (default 200 ms). An answer that has
   * arrived when the deadline fires is still taken (it is given one turn of the event loop).
   */
  timeoutMs?: number;
  /** Failed operations in a row that open the circuit breaker (default 3). */
  breakerFailures?: number;
  /** How long the open breaker skips the cache before one operation tries it again (default 5 s). */
  breakerCooldownMs?: number;
  /**
   * Redis only: a near cache of this many parsed values, held at most `ttlMs` (never longer than an
   * entry lives in Redis), kept right across replicas by pub/sub invalidation. Absent or 0 entries:
   * every read goes to Redis.
   */
  near?: NearCacheOptions;
  log: Logger;
  /** Told how many of each read's keys were found (metrics). */
  onRead?: (found: number, missed: number) => void;
}

/**
 * @example
 *   const cache = createCache<Analysis>({ maxEntries: 10_000, ttlMs: 86_400_000, namespace: "cai", log });
 *   await cache.setMany([{ key: "c:1", value: analysis }]);
 *   const [hit, miss] = await cache.getMany(["c:1", "c:2"]); // [analysis, undefined]
 *   // Redis, with a near cache of 2,000 parsed values held 30 s at most:
 *   createCache<Analysis>({ redisUrl, near: { maxEntries: 2_000, ttlMs: 30_000 }, maxEntries: 1, ttlMs, namespace, log });
 */
export function createCache<T>(options: CacheOptions): ResilientCache<T> {
  const { redisUrl, maxEntries, namespace, near, ...rest } = options;
  const client = redisUrl
    ? createClient({ url: redisUrl, disableOfflineQueue: true, socket: { connectTimeout: 2_000 } })
    : undefined;
  const redis = client
    ? new KeyvRedis(client, { namespace, throwOnConnectError: false, throwOnErrors: true })
    : undefined;
  // Redis holds text: plain JSON (Keyv's default serializer also encodes Buffers, which we never
  // store, at several times the cost). Memory holds the objects themselves, so a warm read parses
  // nothing; values are never mutated after they are cached.
  const keyv = redis
    ? new Keyv<T>({
        store: redis,
        namespace,
        useKeyPrefix: false,
        serialize: JSON.stringify,
        deserialize: JSON.parse,
      })
    : new Keyv<T>({ store: boundedMap(maxEntries), namespace, serialize: undefined, deserialize: undefined });
  keyv.throwOnErrors = true;
  // Every Redis-backed cache announces its writes, near cache or not: other replicas may hold one.
  const invalidations = client
    ? new InvalidationChannel(client, {
        namespace,
        log: rest.log,
        closeWaitMs: Math.max(rest.timeoutMs ?? DEFAULT_TIMEOUT_MS, 1_000),
      })
    : undefined;
  return new ResilientCache(keyv, {
    ...rest,
    // A client still trying to reach a dead Redis never finishes a polite close: destroy it instead.
    ...(redis ? { forceClose: () => redis.disconnect(true) } : {}),
    ...(invalidations ? { invalidations } : {}),
    ...(invalidations && near && near.maxEntries > 0
      ? { near: new NearCache<T>({ ...near, ttlMs: Math.min(near.ttlMs, rest.ttlMs) }) }
      : {}),
  });
}

/** Default deadline of one cache operation. */
export const DEFAULT_TIMEOUT_MS = 200;
/**
 * Keys one deadline covers. A request's page (at most 100 customers) gets the deadline as it is; a
 * refresh chunk's write of 500 customers (≈ 9 MB to Redis) gets one per 100 keys, so a bulk write
 * that is merely large is not mistaken for a cache that is down.
 */
export const KEYS_PER_DEADLINE = 100;

interface ResilientCacheOptions<T>
  extends Pick<
    CacheOptions,
    "ttlMs" | "timeoutMs" | "breakerFailures" | "breakerCooldownMs" | "log" | "onRead"
  > {
  forceClose?: () => Promise<void>;
  /** Announces this cache's writes to other processes, and tells the near cache theirs. */
  invalidations?: InvalidationChannel;
  near?: NearCache<T>;
}

export class ResilientCache<T> {
  readonly #keyv: Keyv<T>;
  readonly #ttlMs: number;
  readonly #timeoutMs: number;
  readonly #log: Logger;
  readonly #forceClose: (() => Promise<void>) | undefined;
  readonly #invalidations: InvalidationChannel | undefined;
  readonly #near: NearCache<T> | undefined;
  readonly #breaker: CircuitBreakerPolicy;
  readonly #onRead: CacheOptions["onRead"];

  constructor(keyv: Keyv<T>, options: ResilientCacheOptions<T>) {
    this.#keyv = keyv;
    this.#ttlMs = options.ttlMs;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#log = options.log;
    const cooldownMs = options.breakerCooldownMs ?? 5_000;
    this.#breaker = circuitBreaker(handleAll, {
      halfOpenAfter: cooldownMs,
      breaker: new ConsecutiveBreaker(options.breakerFailures ?? 3),
    });
    this.#breaker.onBreak(() =>
      this.#log.warn(
        { cooldownMs },
        "prediction cache failing: skipped (predictions computed) until it answers again, tried once per cool-down",
      ),
    );
    this.#breaker.onReset(() => this.#log.info("prediction cache answers again"));
    this.#forceClose = options.forceClose;
    this.#onRead = options.onRead;
    this.#invalidations = options.invalidations;
    const near = options.near;
    this.#near = near;
    // Keyv also emits what it throws; the throw is handled below, the event must not crash the process.
    keyv.on("error", () => {});
    if (near) {
      options.invalidations?.listen({
        invalidate: (keys) => (keys === "all" ? near.clear() : near.invalidate(keys)),
        subscribed: (up) => (up ? near.resume() : near.suspend()),
      });
    }
  }

  /** The cached values, undefined for misses (and for everything while the cache is unreachable). */
  async getMany(keys: readonly string[]): Promise<Array<T | undefined>> {
    if (!keys.length) return [];
    const values = this.#near
      ? await this.#getManyThroughNear(this.#near, keys)
      : ((await this.#attempt("read", keys.length, () => this.#keyv.getMany<T>([...keys]))) ??
        keys.map(() => undefined));
    if (this.#onRead) {
      const found = values.filter((value) => value !== undefined).length;
      this.#onRead(found, values.length - found);
    }
    return values;
  }

  /** Stores the entries for the cache's TTL, or for an entry's own (shorter) `ttlMs`. */
  async setMany(entries: ReadonlyArray<{ key: string; value: T; ttlMs?: number }>): Promise<void> {
    if (!entries.length) return;
    const timed = entries.map(({ key, value, ttlMs }) => ({ key, value, ttlMs: ttlMs ?? this.#ttlMs }));
    await this.#changing(
      timed.map(({ key }) => key),
      "write",
      () => this.#keyv.setMany(timed.map(({ key, value, ttlMs }) => ({ key, value, ttl: ttlMs }))),
      timed,
    );
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    if (!keys.length) return;
    await this.#changing(keys, "delete", () => this.#keyv.deleteMany([...keys]), []);
  }

  /** Closes the connections, politely if the cache answers within the operation timeout. */
  async close(): Promise<void> {
    this.#near?.suspend();
    await Promise.all([this.#invalidations?.close(), this.#closeStore()]);
  }

  async #closeStore(): Promise<void> {
    const closed = await this.#attempt("close", 1, async () => {
      await this.#keyv.disconnect();
      return true;
    });
    if (!closed) await this.#forceClose?.().catch(() => {});
  }

  /** Near hits first; the rest from Redis in one round trip, kept near unless invalidated meanwhile. */
  async #getManyThroughNear(near: NearCache<T>, keys: readonly string[]): Promise<Array<T | undefined>> {
    const values = keys.map((key) => near.get(key));
    const missing = keys.filter((_, i) => values[i] === undefined);
    if (!missing.length) return values;
    const flight = near.track();
    const fetched: Array<NearEntry<T>> = [];
    try {
      // Raw: the stored expiry bounds how long the value may be held near.
      const rows = await this.#attempt("read", missing.length, () =>
        this.#keyv.getMany<T>(missing, { raw: true }),
      );
      if (!rows) return values;
      const now = Date.now();
      let row = 0;
      for (const [i, key] of keys.entries()) {
        if (values[i] !== undefined) continue;
        const { value, expires } = rows[row++] ?? {};
        if (value === undefined) continue;
        values[i] = value;
        fetched.push({ key, value, ttlMs: typeof expires === "number" ? expires - now : this.#ttlMs });
      }
      return values;
    } finally {
      flight.end(fetched);
    }
  }

  /**
   * Changes keys in Redis, then announces them. The near cache drops them at once, and again when the
   * change is done (a read that overlapped it may have kept the old value); then it keeps the new
   * values, unless the change failed or another process changed those keys meanwhile.
   */
  async #changing(
    keys: readonly string[],
    what: string,
    change: () => Promise<unknown>,
    kept: Iterable<NearEntry<T>>,
  ): Promise<void> {
    this.#near?.invalidate(keys);
    const flight = this.#near?.track();
    let late = false;
    const done = await this.#attempt(what, keys.length, async () => {
      try {
        await change();
      } catch (error) {
        // It may have landed all the same (a connection lost after sending it): announce it anyway.
        await this.#invalidations?.publish(keys).catch(() => {});
        throw error;
      } finally {
        // Past the timeout, reads here may have kept the old value meanwhile, and our own
        // announcement is ignored here: drop those keys again now that the change has landed.
        if (late) this.#near?.invalidate(keys);
      }
      await this.#invalidations?.publish(keys);
      return true;
    });
    late = true;
    flight?.end(done ? kept : [], keys);
  }

  /**
   * The operation's result, or undefined when it failed, ran past the deadline (one timeoutMs per
   * KEYS_PER_DEADLINE keys it touches) or the breaker is open.
   */
  async #attempt<R>(what: string, keys: number, operation: () => Promise<R>): Promise<R | undefined> {
    const deadlineMs = this.#timeoutMs * Math.max(1, Math.ceil(keys / KEYS_PER_DEADLINE));
    try {
      return await this.#breaker.execute(() => withDeadline(operation(), deadlineMs));
    } catch (error) {
      // An open breaker was announced once when it opened: no line per skipped operation.
      if (!(error instanceof BrokenCircuitError)) {
        this.#log.warn({ err: error }, `prediction cache ${what} failed; computing without it`);
      }
      return undefined;
    }
  }
}

/**
 * The operation's result, or a rejection once `timeoutMs` has passed. The rejection waits for one
 * more turn of the event loop (setImmediate runs after pending I/O callbacks): on a busy loop the
 * timer often fires when the answer has already arrived but not yet been handled, and that answer
 * must not count as a failure (it would open the breaker on a healthy cache).
 */
function withDeadline<R>(operation: Promise<R>, timeoutMs: number): Promise<R> {
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      immediate = setImmediate(() => reject(new Error(`no answer within ${timeoutMs} ms`)));
    }, timeoutMs);
  });
  return Promise.race([operation, deadline]).finally(() => {
    clearTimeout(timer);
    if (immediate) clearImmediate(immediate);
  });
}

/**
 * A Map-shaped LRU for Keyv's in-memory store. Keyv keeps each entry's expiry itself and passes the
 * TTL as a third argument, which lru-cache would misread as its options object.
 */
function boundedMap(maxEntries: number) {
  const lru = new LRUCache<string, object>({ max: maxEntries });
  return {
    get: (key: string) => lru.get(key),
    set: (key: string, value: object) => {
      lru.set(key, value);
    },
    delete: (key: string) => lru.delete(key),
    has: (key: string) => lru.has(key),
    clear: () => lru.clear(),
  };
}
