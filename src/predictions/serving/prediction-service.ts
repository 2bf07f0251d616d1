// The serving path of predictions: cache first (one getMany per batch), then, for the misses only,
// one history read, one analyzer call and one write-back (Prediction table + cache) per batch.
// Concurrent requests for the same cold customer share one computation (SingleFlight). Cache keys
// carry the customer's predictions version, which every purchase moves in its own transaction: an
// entry made before a purchase (a computation that raced it, or one whose delete never reached the
// cache) is never asked for again.
import { bulkhead } from "cockatiel";
import type { DayClock } from "../../analysis/calendar";
import type { AnalyzeOptions, Analyzer, CustomerAnalysis, CustomerHistory } from "../../analysis/contract";
import type { DatabaseProvider } from "../../config";
import type { Db } from "../../db/client";
import type { Logger } from "../../logger";
import type { ResilientCache } from "../cache/cache";
import {
  type CustomerPredictions,
  isCustomerPredictions,
  PredictionFailure,
  type ServedPredictions,
  toCustomerPredictions,
} from "../customer-predictions";
import { type Outcome, recordOutcomes, saveCurrentPredictions } from "../store/prediction-store";
import { loadRecentHistories, MAX_CUSTOMERS_PER_READ } from "../store/recent-histories";
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
  readonly #flights = new SingleFlight<string, Computed>();
  readonly #computations = bulkhead(MAX_COMPUTATIONS, Number.MAX_SAFE_INTEGER);

  constructor(deps: PredictionServiceDeps) {
    this.#deps = deps;
  }

  /**
   * Each customer's predictions, in the order of `customers`: from the cache where it has them for
   * the customer's predictions version, otherwise computed (one history read and one analyzer call
   * for all the misses together), saved and cached. Customers without purchases get an empty list;
   * a customer whose analysis failed gets a PredictionFailure in its place, and the others are served.
   */
  async forCustomers(
    customers: readonly CustomerVersion[],
    options: AnalyzeOptions = {},
  ): Promise<Array<ServedPredictions | PredictionFailure>> {
    const analyzer = await this.#deps.analyzers.current();
    const keys = customers.map((customer) => cacheKey(analyzer.version, customer));
    const cached = await this.#deps.cache.getMany(keys);
    const served: Array<ServedPredictions | PredictionFailure | undefined> = cached.map((value, i) =>
      isCustomerPredictions(value, customers[i]!.id) ? { ...value, cached: true } : undefined,
    );
    const missing = new Map<string, CustomerVersion>();
    customers.forEach((customer, i) => {
      if (!served[i]) missing.set(keys[i]!, customer);
    });
    if (missing.size) {
      const computed = new Map<string, Computed>();
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
        const value = computed.get(key)!;
        served[i] ??= value instanceof PredictionFailure ? value : { ...value, cached: false };
      });
    }
    return served as Array<ServedPredictions | PredictionFailure>;
  }

  /**
   * Recomputes now, ignoring the cache, then replaces the cache entries and the current predictions.
   * Results in the order of `customerIds` (each once). `newVersion` (an admin's refresh) first moves
   * the customers' predictions version, so no entry cached before is served again, even if storing
   * the new one in the cache fails; the batch refresh leaves it (its entries replace equally current ones).
   * A customer whose analysis or write failed gets a PredictionFailure in its place, and the others
   * are refreshed.
   */
  async refresh(
    customerIds: readonly number[],
    { newVersion = false }: { newVersion?: boolean } = {},
  ): Promise<Computed[]> {
    const ids = [...new Set(customerIds)];
    const analyzer = await this.#deps.analyzers.current();
    const results: Computed[] = [];
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
   * A read serves its predictions even when storing them fails (logged); a refresh reports that
   * customer failed instead. One customer's failure is that customer's only.
   */
  #compute(
    analyzer: Analyzer,
    customers: CustomerVersion[],
    purpose: "read" | "refresh",
    options: AnalyzeOptions = {},
  ): Promise<Computed[]> {
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
  ): Promise<Computed[]> {
    const { db, provider, cache, log } = this.#deps;
    const customerIds = customers.map((customer) => customer.id);
    const histories = await loadRecentHistories(db, provider, customerIds);
    const now = this.#deps.now?.() ?? new Date();
    const results = await this.#analyze(analyzer, customerIds, histories, now, options);
    await this.#store(results, purpose);
    const made = results.flatMap((value, i) =>
      value instanceof PredictionFailure ? [] : [{ value, customer: customers[i]! }],
    );
    await cache.setMany(
      made.map(({ value, customer }) => ({
        key: cacheKey(analyzer.version, customer),
        value,
        // Shorter than the TTL for a fallback analysis, so the better analyzer is tried again soon.
        ttlMs: Date.parse(value.expiresAt) - Date.parse(value.generatedAt),
      })),
    );
    log.debug({ customers: customerIds.length, cachedBack: made.length }, "predictions computed");
    return results;
  }

  /** One result per customer: its predictions, or the failure of its analysis alone. */
  async #analyze(
    analyzer: Analyzer,
    customerIds: readonly number[],
    histories: readonly CustomerHistory[],
    now: Date,
    options: AnalyzeOptions,
  ): Promise<Computed[]> {
    const made = { source: analyzer.source, model: analyzer.version, ttlMs: this.#deps.ttlMs };
    const analyses = await analyzeEach(analyzer, histories, now, options);
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
  options: AnalyzeOptions,
): Promise<Array<CustomerAnalysis | Error>> {
  try {
    return await analyzer.analyze(histories, now, options);
  } catch (error) {
    if (histories.length === 1) return [error instanceof Error ? error : new Error(String(error))];
    return Promise.all(
      histories.map(async (history) => {
        try {
          const [analysis] = await analyzer.analyze([history], now, options);
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
