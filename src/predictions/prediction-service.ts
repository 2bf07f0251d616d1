// The serving path of predictions: cache first (one getMany per batch), then, for the misses only,
// one history read, one analyzer call and one write-back (Prediction table + cache) per batch.
// Concurrent requests for the same cold customer share one computation (SingleFlight). Cache keys
// carry the customer's predictions version, which every purchase moves in its own transaction: an
// entry made before a purchase (a computation that raced it, or one whose delete never reached the
// cache) is never asked for again.
import { bulkhead } from "cockatiel";
import type { DayClock } from "../analysis/calendar";
import type { AnalyzeOptions, Analyzer } from "../analysis/contract";
import type { DatabaseProvider } from "../config";
import type { Db } from "../db/client";
import type { Logger } from "../logger";
import type { ResilientCache } from "./cache";
import {
  type CustomerPredictions,
  isCustomerPredictions,
  type ServedPredictions,
  toCustomerPredictions,
} from "./customer-predictions";
import { type Outcome, recordOutcomes, saveCurrentPredictions } from "./prediction-store";
import { loadRecentHistories, MAX_CUSTOMERS_PER_READ } from "./recent-histories";
import { SingleFlight } from "./single-flight";

/**
 * A customer as a request loaded it: the predictions version comes with the row, so finding the
 * cached predictions costs no query of its own.
 */
export interface CustomerVersion {
  id: number;
  predictionsVersion: number;
}

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
  /** Model calls one request may cause at most (BEDROCK_MAX_CALLS_PER_REQUEST); absent: no limit. */
  modelCallsPerRequest?: number;
}

/**
 * @example
 *   const service = new PredictionService({ db, provider: "sqlite", cache, analyzers, ttlMs: 86_400_000, clock, log });
 *   const [ana] = await service.forCustomers([{ id: 42, predictionsVersion: 3 }]); // { customerId: 42, predictions: [...], cached: false }
 *   await service.refresh([42]);                                                    // recomputed now, cache replaced
 */
export class PredictionService {
  readonly #deps: PredictionServiceDeps;
  readonly #flights = new SingleFlight<string, CustomerPredictions>();
  readonly #computations = bulkhead(MAX_COMPUTATIONS, Number.MAX_SAFE_INTEGER);

  constructor(deps: PredictionServiceDeps) {
    this.#deps = deps;
  }

  /**
   * Each customer's predictions, in the order of `customers`: from the cache where it has them for
   * the customer's predictions version, otherwise computed (one history read and one analyzer call
   * for all the misses together), saved and cached. Customers without purchases get an empty list.
   */
  async forCustomers(
    customers: readonly CustomerVersion[],
    options: AnalyzeOptions = {},
  ): Promise<ServedPredictions[]> {
    const analyzer = await this.#deps.analyzers.current();
    const keys = customers.map((customer) => cacheKey(analyzer.version, customer));
    const cached = await this.#deps.cache.getMany(keys);
    const served: Array<ServedPredictions | undefined> = cached.map((value, i) =>
      isCustomerPredictions(value, customers[i]!.id) ? { ...value, cached: true } : undefined,
    );
    const missing = new Map<string, CustomerVersion>();
    customers.forEach((customer, i) => {
      if (!served[i]) missing.set(keys[i]!, customer);
    });
    if (missing.size) {
      const computed = new Map<string, CustomerPredictions>();
      const missingKeys = [...missing.keys()];
      for (let start = 0; start < missingKeys.length; start += MAX_CUSTOMERS_PER_READ) {
        const chunk = missingKeys.slice(start, start + MAX_CUSTOMERS_PER_READ);
        const results = await this.#flights.runMany(chunk, (freshKeys) =>
          this.#compute(
            analyzer,
            freshKeys.map((key) => missing.get(key)!),
            "read",
            options,
          ),
        );
        chunk.forEach((key, i) => {
          computed.set(key, results[i]!);
        });
      }
      keys.forEach((key, i) => {
        served[i] ??= { ...computed.get(key)!, cached: false };
      });
    }
    return served as ServedPredictions[];
  }

  /**
   * Recomputes now, ignoring the cache, then replaces the cache entries and the current predictions.
   * Results in the order of `customerIds` (each once). `newVersion` (an admin's refresh) first moves
   * the customers' predictions version, so no entry cached before is served again, even if storing
   * the new one in the cache fails; the batch refresh leaves it (its entries replace equally current ones).
   */
  async refresh(
    customerIds: readonly number[],
    { newVersion = false }: { newVersion?: boolean } = {},
  ): Promise<CustomerPredictions[]> {
    const ids = [...new Set(customerIds)];
    const analyzer = await this.#deps.analyzers.current();
    const results: CustomerPredictions[] = [];
    for (let start = 0; start < ids.length; start += MAX_CUSTOMERS_PER_READ) {
      const chunk = ids.slice(start, start + MAX_CUSTOMERS_PER_READ);
      // Read (or moved) before the histories: an entry is never keyed by a version newer than its data.
      const customers = await (newVersion ? nextVersions : currentVersions)(this.#deps.db, chunk);
      results.push(...(await this.#compute(analyzer, customers, "refresh")));
    }
    return results;
  }

  /**
   * A purchase was recorded (and the customer's predictions version moved with it): drops the
   * entry cached for the version before, an optimisation only (no reader asks for that version any
   * more; this frees the space and tells the other replicas' near caches at once), and records the
   * outcome of each open prediction the purchase fulfils.
   */
  async purchaseRecorded(purchase: {
    id: number;
    customerId: number;
    purchasedAt: Date;
    predictionsVersion: number;
  }): Promise<Outcome[]> {
    const analyzer = await this.#deps.analyzers.current();
    await this.#deps.cache.deleteMany([
      cacheKey(analyzer.version, {
        id: purchase.customerId,
        predictionsVersion: purchase.predictionsVersion - 1,
      }),
    ]);
    return recordOutcomes(this.#deps.db, purchase, this.#deps.clock);
  }

  /**
   * A new allowance of model calls for one request, to pass to every forCustomers() call it makes
   * (BEDROCK_MAX_CALLS_PER_REQUEST): a single request cannot spend the month's AI budget. Undefined
   * when there is no limit.
   */
  modelCallsForRequest(): AnalyzeOptions["modelCalls"] {
    const limit = this.#deps.modelCallsPerRequest;
    if (limit === undefined) return undefined;
    let taken = 0;
    return {
      take: () => {
        if (taken >= limit) return false;
        taken++;
        return true;
      },
    };
  }

  /**
   * Analyzes the customers now, stores and caches the result. At most MAX_COMPUTATIONS run at once
   * (the rest queue): a burst of cold pages must not hold more connections than the pool serves.
   * A read serves its predictions even when storing them fails (logged); a refresh fails instead.
   */
  #compute(
    analyzer: Analyzer,
    customers: CustomerVersion[],
    purpose: "read" | "refresh",
    options: AnalyzeOptions = {},
  ): Promise<CustomerPredictions[]> {
    return this.#computations.execute(() => this.#computeNow(analyzer, customers, purpose, options));
  }

  /**
   * Each result is cached under the version its customer had before the history was read: if a
   * purchase lands meanwhile, the entry is keyed by the version before it and nobody is served it.
   */
  async #computeNow(
    analyzer: Analyzer,
    customers: CustomerVersion[],
    purpose: "read" | "refresh",
    options: AnalyzeOptions,
  ): Promise<CustomerPredictions[]> {
    const { db, provider, cache, ttlMs, log } = this.#deps;
    const customerIds = customers.map((customer) => customer.id);
    const histories = await loadRecentHistories(db, provider, customerIds);
    const now = this.#deps.now?.() ?? new Date();
    const analyses = await analyzer.analyze(histories, now, options);
    const made = { source: analyzer.source, model: analyzer.version, ttlMs };
    const results = analyses.map((analysis, i) => toCustomerPredictions(customerIds[i]!, analysis, made));
    try {
      await saveCurrentPredictions(db, provider, results);
    } catch (error) {
      if (purpose === "refresh") throw error;
      log.error(
        { err: error, customers: customerIds.length },
        "could not store computed predictions; served anyway",
      );
    }
    await cache.setMany(
      results.map((value, i) => ({
        key: cacheKey(analyzer.version, customers[i]!),
        value,
        // Shorter than the TTL for a fallback analysis, so the better analyzer is tried again soon.
        ttlMs: Date.parse(value.expiresAt) - Date.parse(value.generatedAt),
      })),
    );
    log.debug({ customers: customerIds.length }, "predictions computed");
    return results;
  }
}

// ---- private helpers ----

/** Computations (history read + analysis + write-back) running at once per process. */
const MAX_COMPUTATIONS = 4;

/**
 * Keys carry the analyzer version (a new analyzer, or new priors, never reads an older shape) and the
 * customer's predictions version (an entry made before the customer's latest purchase is never read).
 */
function cacheKey(analyzerVersion: string, customer: CustomerVersion): string {
  return `predictions:${analyzerVersion}:${customer.id}:${customer.predictionsVersion}`;
}

/** The customers' predictions versions now (0 for an id without a row). */
async function currentVersions(db: Db, ids: readonly number[]): Promise<CustomerVersion[]> {
  const rows = await db.customer.findMany({
    where: { id: { in: [...ids] } },
    select: { id: true, predictionsVersion: true },
  });
  return inOrder(ids, rows);
}

/** Moves the customers' predictions versions on (one statement) and returns the new ones. */
async function nextVersions(db: Db, ids: readonly number[]): Promise<CustomerVersion[]> {
  const rows = await db.customer.updateManyAndReturn({
    where: { id: { in: [...ids] } },
    data: { predictionsVersion: { increment: 1 } },
    select: { id: true, predictionsVersion: true },
  });
  return inOrder(ids, rows);
}

function inOrder(ids: readonly number[], rows: CustomerVersion[]): CustomerVersion[] {
  const version = new Map(rows.map((row) => [row.id, row.predictionsVersion]));
  return ids.map((id) => ({ id, predictionsVersion: version.get(id) ?? 0 }));
}
