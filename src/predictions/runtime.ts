// Builds the prediction machinery one process shares (the API server, `npm run refresh`, the Lambda
// handler): the cache the configuration names, the analyzer over the priors in force, and the
// service on top of them.
import { DayClock } from "../analysis/calendar";
import type { PredictionConfig } from "../config";
import type { Db } from "../db/client";
import type { Logger } from "../logger";
import { createCache, type ResilientCache } from "./cache";
import type { CustomerPredictions } from "./customer-predictions";
import { type AnalyzerProvider, PredictionService } from "./prediction-service";
import { AnalyzerSource } from "./priors-store";

export interface PredictionRuntime {
  service: PredictionService;
  analyzers: AnalyzerSource;
  cache: ResilientCache<CustomerPredictions>;
  clock: DayClock;
  /** Closes the cache connection (the database belongs to the caller). */
  close(): Promise<void>;
}

export interface PredictionRuntimeOptions {
  config: PredictionConfig;
  db: Db;
  log: Logger;
  /** Tests: wraps (or replaces) the analyzer over the stored priors, e.g. to count its calls. */
  analyzers?: (stored: AnalyzerSource) => AnalyzerProvider;
  /** Tests: the time analyses are made for. */
  now?: () => Date;
}

/**
 * @example
 *   const runtime = createPredictionRuntime({ config: config.predictions, db: database.prisma, log });
 *   const [ana] = await runtime.service.forCustomers([42]);
 *   await runtime.close();
 */
export function createPredictionRuntime({
  config,
  db,
  log,
  analyzers,
  now,
}: PredictionRuntimeOptions): PredictionRuntime {
  const ttlMs = config.ttlSeconds * 1_000;
  const cache = createCache<CustomerPredictions>({
    ...(config.redisUrl ? { redisUrl: config.redisUrl } : {}),
    maxEntries: config.cacheMaxEntries,
    ttlMs,
    namespace: config.cacheNamespace,
    log,
  });
  const clock = new DayClock(config.timeZone);
  const source = new AnalyzerSource(db, { timeZone: config.timeZone, log });
  const service = new PredictionService({
    db,
    cache,
    analyzers: analyzers ? analyzers(source) : source,
    ttlMs,
    clock,
    log,
    ...(now ? { now } : {}),
  });
  return { service, analyzers: source, cache, clock, close: () => cache.close() };
}
