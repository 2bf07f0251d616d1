// The serving path of predictions: cache first (one getMany per batch), then, for the misses only,
// one history read, one analyzer call and one write-back (Prediction table + cache) per batch.
// Concurrent requests for the same cold customer share one computation (SingleFlight), and a
// purchase recorded while a computation runs keeps that computation's stale result out of the cache.
import { bulkhead } from "cockatiel";
import type { DayClock } from "../analysis/calendar";
import type { Analyzer, CustomerAnalysis, CustomerHistory } from "../analysis/contract";
import type { DatabaseProvider } from "../config";
import type { Db } from "../db/client";
import type { Logger } from "../logger";
import type { ResilientCache } from "./cache";
import {
  type CustomerPredictions,
  isCustomerPredictions,
  PredictionFailure,
  type ServedPredictions,
  toCustomerPredictions,
} from "./customer-predictions";
import { type Outcome, recordOutcomes, saveCurrentPredictions } from "./prediction-store";
import { loadRecentHistories, MAX_CUSTOMERS_PER_READ } from "./recent-histories";
import { SingleFlight } from "./single-flight";

/** Where the service gets the analyzer in force (AnalyzerSource in production, a fixed one in tests). */
export interface AnalyzerProvider {
  current(): Promise<Analyzer>;
}

export interface PredictionServiceDeps {
  db: Db;
  provider: DatabaseProvider;
  cache: ResilientCache<CustomerPredictions>;
  analyzers: AnalyzerProvider;
  /** How long predictions are served from the cache (PREDICTION_TTL_SECONDS). */
  ttlMs: number;
  /** The calendar outcomes are counted in (the analyzer's). */
  clock: DayClock;
  log: Logger;
  /** The time analyses are made for (tests pin it). */
  now?: () => Date;
}

/**
 * @example
 *   const service = new PredictionService({ db, provider: "sqlite", cache, analyzers, ttlMs: 86_400_000, clock, log });
 *   const [ana] = await service.forCustomers([42]); // { customerId: 42, predictions: [...], cached: false }
 *   await service.refresh([42]);                    // recomputed now, cache replaced
 */
export class PredictionService {
  readonly #deps: PredictionServiceDeps;
  readonly #flights = new SingleFlight<string, Computed>();
  /**
   * Customers invalidated while computations were running, by invalidation number: a computation
   * that started before a customer's invalidation must not cache its (stale) result. Cleared whenever
   * no computation runs, so it stays small.
   */
  readonly #invalidated = new Map<number, number>();
  #invalidations = 0;
  #running = 0;
  readonly #computations = bulkhead(MAX_COMPUTATIONS, Number.MAX_SAFE_INTEGER);

  constructor(deps: PredictionServiceDeps) {
    this.#deps = deps;
  }

  /**
   * Each customer's predictions, in the order of `customerIds`: from the cache where it has them,
   * otherwise computed (one history read and one analyzer call for all the misses together),
   * saved and cached. Customers without purchases get an empty list; a customer whose analysis
   * failed gets a PredictionFailure in its place, and the others are served.
   */
  async forCustomers(customerIds: readonly number[]): Promise<Array<ServedPredictions | PredictionFailure>> {
    const analyzer = await this.#deps.analyzers.current();
    const keys = customerIds.map((id) => cacheKey(analyzer.version, id));
    const cached = await this.#deps.cache.getMany(keys);
    const served: Array<ServedPredictions | PredictionFailure | undefined> = cached.map((value, i) =>
      isCustomerPredictions(value, customerIds[i]!) ? { ...value, cached: true } : undefined,
    );
    const missing = [...new Set(customerIds.filter((_, i) => !served[i]))];
    if (missing.length) {
      const computed = new Map<number, Computed>();
      for (let start = 0; start < missing.length; start += MAX_CUSTOMERS_PER_READ) {
        const ids = missing.slice(start, start + MAX_CUSTOMERS_PER_READ);
        const results = await this.#flights.runMany(
          ids.map((id) => cacheKey(analyzer.version, id)),
          (freshKeys) => this.#compute(analyzer, freshKeys.map(customerOfKey), "read"),
        );
        ids.forEach((id, i) => {
          computed.set(id, results[i]!);
        });
      }
      customerIds.forEach((id, i) => {
        const value = computed.get(id)!;
        served[i] ??= value instanceof PredictionFailure ? value : { ...value, cached: false };
      });
    }
    return served as Array<ServedPredictions | PredictionFailure>;
  }

  /**
   * Recomputes now, ignoring the cache, then replaces the cache entries and the current predictions.
   * Results in the order of `customerIds` (each once); a customer whose analysis or write failed gets
   * a PredictionFailure in its place, and the others are refreshed.
   */
  async refresh(customerIds: readonly number[]): Promise<Computed[]> {
    const ids = [...new Set(customerIds)];
    // Anything already computing for these customers started earlier: keep it out of the cache.
    this.#invalidate(ids);
    const analyzer = await this.#deps.analyzers.current();
    this.#flights.forget(ids.map((id) => cacheKey(analyzer.version, id)));
    const results: Computed[] = [];
    for (let start = 0; start < ids.length; start += MAX_CUSTOMERS_PER_READ) {
      results.push(
        ...(await this.#compute(analyzer, ids.slice(start, start + MAX_CUSTOMERS_PER_READ), "refresh")),
      );
    }
    return results;
  }

  /**
   * A purchase was recorded: drops the customer's cached predictions (the next read recomputes with
   * the new purchase) and records the outcome of each open prediction the purchase fulfils.
   */
  async purchaseRecorded(purchase: {
    id: number;
    customerId: number;
    purchasedAt: Date;
  }): Promise<Outcome[]> {
    this.#invalidate([purchase.customerId]);
    const analyzer = await this.#deps.analyzers.current();
    const key = cacheKey(analyzer.version, purchase.customerId);
    // A computation already running read the history without this purchase: later reads start anew.
    this.#flights.forget([key]);
    await this.#deps.cache.deleteMany([key]);
    return recordOutcomes(this.#deps.db, purchase, this.#deps.clock);
  }

  /**
   * Analyzes the customers now, stores and caches the result. At most MAX_COMPUTATIONS run at once
   * (the rest queue): a burst of cold pages must not hold more connections than the pool serves.
   * A read serves its predictions even when storing them fails (logged); a refresh reports that
   * customer failed instead. One customer's failure is that customer's only.
   */
  #compute(analyzer: Analyzer, customerIds: number[], purpose: "read" | "refresh"): Promise<Computed[]> {
    return this.#computations.execute(() => this.#computeNow(analyzer, customerIds, purpose));
  }

  async #computeNow(
    analyzer: Analyzer,
    customerIds: number[],
    purpose: "read" | "refresh",
  ): Promise<Computed[]> {
    const { db, provider, cache, log } = this.#deps;
    const startedAt = this.#invalidations;
    this.#running++;
    try {
      const histories = await loadRecentHistories(db, provider, customerIds);
      const now = this.#deps.now?.() ?? new Date();
      const results = await this.#analyze(analyzer, customerIds, histories, now);
      await this.#store(results, purpose);
      const current = results.filter(
        (r): r is CustomerPredictions =>
          !(r instanceof PredictionFailure) && (this.#invalidated.get(r.customerId) ?? 0) <= startedAt,
      );
      await cache.setMany(
        current.map((value) => ({
          key: cacheKey(analyzer.version, value.customerId),
          value,
          // Shorter than the TTL for a fallback analysis, so the better analyzer is tried again soon.
          ttlMs: Date.parse(value.expiresAt) - Date.parse(value.generatedAt),
        })),
      );
      log.debug({ customers: customerIds.length, cachedBack: current.length }, "predictions computed");
      return results;
    } finally {
      if (--this.#running === 0) this.#invalidated.clear();
    }
  }

  /** One result per customer: its predictions, or the failure of its analysis alone. */
  async #analyze(
    analyzer: Analyzer,
    customerIds: readonly number[],
    histories: readonly CustomerHistory[],
    now: Date,
  ): Promise<Computed[]> {
    const made = { source: analyzer.source, model: analyzer.version, ttlMs: this.#deps.ttlMs };
    const analyses = await analyzeEach(analyzer, histories, now);
    return analyses.map((analysis, i) => {
      const customerId = customerIds[i]!;
      try {
        if (analysis instanceof Error) throw analysis;
        return toCustomerPredictions(customerId, analysis, made);
      } catch (error) {
        this.#deps.log.error({ err: error, customerId }, "could not make a customer's predictions");
        return new PredictionFailure(customerId, error);
      }
    });
  }

  /**
   * Makes the results the customers' current predictions. A read serves what it could not store
   * (logged); a refresh turns those customers' results into failures (in place), and fails as a
   * whole only when the database does not answer.
   */
  async #store(results: Computed[], purpose: "read" | "refresh"): Promise<void> {
    const { db, provider, log } = this.#deps;
    const made = results.filter((r): r is CustomerPredictions => !(r instanceof PredictionFailure));
    let unsaved: Map<number, unknown>;
    try {
      unsaved = await saveCurrentPredictions(db, provider, made);
    } catch (error) {
      if (purpose === "refresh") throw error;
      unsaved = new Map(made.map((r) => [r.customerId, error]));
    }
    if (!unsaved.size) return;
    log.error(
      { err: unsaved.values().next().value, customers: unsaved.size, of: made.length },
      purpose === "read"
        ? "could not store computed predictions; served anyway"
        : "could not store refreshed predictions",
    );
    if (purpose === "read") return;
    results.forEach((r, i) => {
      if (unsaved.has(r.customerId))
        results[i] = new PredictionFailure(r.customerId, unsaved.get(r.customerId));
    });
  }

  #invalidate(customerIds: readonly number[]): void {
    if (this.#running === 0) return;
    const stamp = ++this.#invalidations;
    for (const id of customerIds) this.#invalidated.set(id, stamp);
  }
}

// ---- private helpers ----

/** One customer's computation: its predictions, or why they could not be made. */
type Computed = CustomerPredictions | PredictionFailure;

/**
 * One analysis per history, or the error one customer's analysis ended in: a batch that throws is
 * analysed again one customer at a time, so a customer the analyzer cannot handle fails alone.
 */
async function analyzeEach(
  analyzer: Analyzer,
  histories: readonly CustomerHistory[],
  now: Date,
): Promise<Array<CustomerAnalysis | Error>> {
  try {
    return await analyzer.analyze(histories, now);
  } catch (error) {
    if (histories.length === 1) return [error instanceof Error ? error : new Error(String(error))];
    return Promise.all(
      histories.map(async (history) => {
        try {
          const [analysis] = await analyzer.analyze([history], now);
          return analysis!;
        } catch (single) {
          return single instanceof Error ? single : new Error(String(single));
        }
      }),
    );
  }
}

/** Computations (history read + analysis + write-back) running at once per process. */
const MAX_COMPUTATIONS = 4;

/** Keys carry the analyzer version: a new analyzer (or new priors) never reads an older shape. */
function cacheKey(analyzerVersion: string, customerId: number): string {
  return `predictions:${analyzerVersion}:${customerId}`;
}

function customerOfKey(key: string): number {
  return Number(key.slice(key.lastIndexOf(":") + 1));
}
