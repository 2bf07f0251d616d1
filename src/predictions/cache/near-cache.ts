// The near cache: a small LRU of already-parsed values in front of Redis, so a warm read on one
// replica costs neither a round trip nor JSON.parse. Redis stays the truth; this copy is trusted only
// while the invalidation channel is up (see cache-invalidation.ts), and a round trip only keeps what
// it brought back if nothing invalidated those keys while it was in flight.
import { LRUCache } from "lru-cache";

export interface NearCacheOptions {
  /** Entries (customers) held at most; the least recently used go first. */
  maxEntries: number;
  /** The longest an entry is held, whatever its own lifetime; a safety net for a missed invalidation. */
  ttlMs: number;
}

/** What a round trip brought back: a value and how long it has left to live (ms). */
export interface NearEntry<T> {
  key: string;
  value: T;
  ttlMs: number;
}

/** A Redis round trip in flight; see {@link NearCache.track}. */
export interface NearFlight<T> {
  /**
   * Ends the round trip: drops `invalidates` (what it changed) first, then keeps each entry whose key
   * nothing invalidated since track(), and only if the near cache was trusted throughout.
   */
  end(entries: Iterable<NearEntry<T>>, invalidates?: readonly string[]): void;
}

/** Keys spoiled while a round trip was in flight; `all` after a suspend, or when it began untrusted. */
interface Flight {
  spoiled: Set<string>;
  all: boolean;
}

/**
 * Values are the objects themselves: callers get the very object cached, so it must never be
 * mutated (as with the in-memory cache).
 *
 * @example
 *   const near = new NearCache<Analysis>({ maxEntries: 2_000, ttlMs: 30_000 });
 *   near.resume();                              // the invalidation channel is subscribed
 *   const flight = near.track();                // before asking Redis
 *   const analysis = await fromRedis("c:1");
 *   flight.end([{ key: "c:1", value: analysis, ttlMs: 60_000 }]);
 *   near.get("c:1");                            // analysis, until invalidated, evicted or 30 s old
 */
export class NearCache<T> {
  readonly #entries: LRUCache<string, { value: T }>;
  readonly #ttlMs: number;
  readonly #flights = new Set<Flight>();
  #live = false;

  constructor({ maxEntries, ttlMs }: NearCacheOptions) {
    this.#ttlMs = ttlMs;
    // Wrapped: lru-cache takes no undefined or null values, and T may be anything.
    this.#entries = new LRUCache<string, { value: T }>({ max: maxEntries, ttl: ttlMs });
  }

  /** The value held for the key, or undefined (always, while not live). */
  get(key: string): T | undefined {
    return this.#live ? this.#entries.get(key)?.value : undefined;
  }

  /** Starts a round trip whose answers may be kept; end it in a finally. */
  track(): NearFlight<T> {
    const flight: Flight = { spoiled: new Set(), all: !this.#live };
    this.#flights.add(flight);
    return {
      end: (entries, invalidates) => {
        this.#flights.delete(flight);
        if (invalidates) this.invalidate(invalidates);
        if (flight.all || !this.#live) return;
        for (const { key, value, ttlMs } of entries) {
          if (flight.spoiled.has(key)) continue;
          const ttl = Math.floor(Math.min(this.#ttlMs, ttlMs));
          if (ttl >= 1) this.#entries.set(key, { value }, { ttl });
        }
      },
    };
  }

  /** The keys changed (here or on another replica): drop them, and keep in-flight reads from restoring them. */
  invalidate(keys: readonly string[]): void {
    for (const key of keys) this.#entries.delete(key);
    for (const flight of this.#flights) {
      if (!flight.all) for (const key of keys) flight.spoiled.add(key);
    }
  }

  /** Drops everything, including what in-flight round trips bring back (a change of unknown keys). */
  clear(): void {
    this.#entries.clear();
    for (const flight of this.#flights) flight.all = true;
  }

  /** The invalidation channel is subscribed: round trips starting now may fill the cache again. */
  resume(): void {
    this.#live = true;
  }

  /** Invalidations may be missed from now on: forget everything and bypass the cache until resume(). */
  suspend(): void {
    this.#live = false;
    this.clear();
  }
}
