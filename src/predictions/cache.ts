// The prediction cache: Keyv over a bounded in-memory LRU (one process) or Redis (shared by every
// replica). It never fails its caller: an outage or a slow cache reads as misses and skipped writes
// (logged), so serving degrades to computing instead of to errors.
import KeyvRedis from "@keyv/redis";
import Keyv from "keyv";
import { LRUCache } from "lru-cache";
import type { Logger } from "../logger";

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
   * A cache operation slower than this counts as failed (default 1 s). Measured on the event loop:
   * under load a short limit fires before an answer that has already arrived is handled.
   */
  timeoutMs?: number;
  log: Logger;
}

/**
 * @example
 *   const cache = createCache<Analysis>({ maxEntries: 10_000, ttlMs: 86_400_000, namespace: "cai", log });
 *   await cache.setMany([{ key: "c:1", value: analysis }]);
 *   const [hit, miss] = await cache.getMany(["c:1", "c:2"]); // [analysis, undefined]
 */
export function createCache<T>(options: CacheOptions): ResilientCache<T> {
  const { redisUrl, maxEntries, namespace } = options;
  const redis = redisUrl
    ? new KeyvRedis(
        { url: redisUrl, disableOfflineQueue: true, socket: { connectTimeout: 2_000 } },
        { namespace, throwOnConnectError: false, throwOnErrors: true },
      )
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
  // A client still trying to reach a dead Redis never finishes a polite close: destroy it instead.
  return new ResilientCache(keyv, {
    ...options,
    ...(redis ? { forceClose: () => redis.disconnect(true) } : {}),
  });
}

export class ResilientCache<T> {
  readonly #keyv: Keyv<T>;
  readonly #ttlMs: number;
  readonly #timeoutMs: number;
  readonly #log: Logger;
  readonly #forceClose: (() => Promise<void>) | undefined;

  constructor(
    keyv: Keyv<T>,
    options: Pick<CacheOptions, "ttlMs" | "timeoutMs" | "log"> & { forceClose?: () => Promise<void> },
  ) {
    this.#keyv = keyv;
    this.#ttlMs = options.ttlMs;
    this.#timeoutMs = options.timeoutMs ?? 1_000;
    this.#log = options.log;
    this.#forceClose = options.forceClose;
    // Keyv also emits what it throws; the throw is handled below, the event must not crash the process.
    keyv.on("error", () => {});
  }

  /** The cached values, undefined for misses (and for everything while the cache is unreachable). */
  async getMany(keys: readonly string[]): Promise<Array<T | undefined>> {
    if (!keys.length) return [];
    const values = await this.#attempt("read", () => this.#keyv.getMany<T>([...keys]));
    return values ?? keys.map(() => undefined);
  }

  /** Stores the entries for the cache's TTL, or for an entry's own (shorter) `ttlMs`. */
  async setMany(entries: ReadonlyArray<{ key: string; value: T; ttlMs?: number }>): Promise<void> {
    if (!entries.length) return;
    await this.#attempt("write", () =>
      this.#keyv.setMany(entries.map(({ key, value, ttlMs }) => ({ key, value, ttl: ttlMs ?? this.#ttlMs }))),
    );
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    if (!keys.length) return;
    await this.#attempt("delete", () => this.#keyv.deleteMany([...keys]));
  }

  /** Closes the connection, politely if the cache answers within the operation timeout. */
  async close(): Promise<void> {
    const closed = await this.#attempt("close", async () => {
      await this.#keyv.disconnect();
      return true;
    });
    if (!closed) await this.#forceClose?.().catch(() => {});
  }

  async #attempt<R>(what: string, operation: () => Promise<R>): Promise<R | undefined> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        operation(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${this.#timeoutMs} ms`)),
            this.#timeoutMs,
          );
        }),
      ]);
    } catch (error) {
      this.#log.warn({ err: error }, `prediction cache ${what} failed; computing without it`);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }
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
