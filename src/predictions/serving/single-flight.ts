/**
 * Shares one in-flight computation per key inside this process: while the computation for a key
 * runs, later callers for that key get the same promise instead of starting another (no stampede
 * on a cold customer). Nothing is remembered once it settles; caching is the caller's job.
 *
 * @example
 *   const flights = new SingleFlight<string, Analysis[]>();
 *   const [a, b] = await Promise.all([flights.run("c:1", analyse), flights.run("c:1", analyse)]); // one call
 */
export class SingleFlight<K, V> {
  readonly #inFlight = new Map<K, Promise<V>>();

  run(key: K, compute: () => Promise<V>): Promise<V> {
    const running = this.#inFlight.get(key);
    if (running) return running;
    const flight: Promise<V> = compute().finally(() => this.#settled(key, flight));
    this.#inFlight.set(key, flight);
    return flight;
  }

  /**
   * Runs `compute` once for the keys not already in flight and shares its per-key results; keys in
   * flight join the running computations. `compute` must return one value per key it is given, in order.
   */
  runMany(keys: readonly K[], compute: (keys: K[]) => Promise<V[]>): Promise<V[]> {
    const fresh = [...new Set(keys.filter((key) => !this.#inFlight.has(key)))];
    if (fresh.length) {
      const batch = compute(fresh);
      fresh.forEach((key, i) => {
        const flight = batch.then((values) => {
          if (values.length !== fresh.length) {
            throw new Error(`expected ${fresh.length} results from the batch, got ${values.length}`);
          }
          return values[i]!;
        });
        this.#inFlight.set(key, flight);
        flight.then(
          () => this.#settled(key, flight),
          () => this.#settled(key, flight),
        );
      });
    }
    return Promise.all(keys.map((key) => this.#inFlight.get(key)!));
  }

  /** Keys being computed right now. */
  get size(): number {
    return this.#inFlight.size;
  }

  /** A settled flight leaves the map (unless another one for its key took its place meanwhile). */
  #settled(key: K, flight: Promise<V>): void {
    if (this.#inFlight.get(key) === flight) this.#inFlight.delete(key);
  }
}
