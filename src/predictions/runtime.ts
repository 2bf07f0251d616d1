// Builds the prediction machinery one process shares (the API server, `npm run refresh`, the Lambda
// handler): the cache the configuration names, the analyzer over the priors in force (statistical, or
// Claude on Bedrock grounded on it), and the service on top of them.

import { DayClock } from "../analysis/calendar";
import type { Analyzer } from "../analysis/contract";
import { BedrockAnalyzer } from "../bedrock/bedrock-analyzer";
import { BedrockGateway } from "../bedrock/bedrock-gateway";
import { createCallRate } from "../bedrock/call-rate";
import { DatabaseUsageLedger } from "../bedrock/usage-ledger";
import { clockFor, type Now } from "../clock";
import type { AnalyzerConfig, DatabaseProvider, PredictionConfig } from "../config";
import type { Db } from "../db/client";
import type { Logger } from "../logger";
import { MeteredLedger, meteredAnalyzers } from "../metrics/instrument";
import { ServiceMetrics } from "../metrics/service-metrics";
import { createCache, type ResilientCache } from "./cache/cache";
import type { CustomerPredictions } from "./customer-predictions";
import { type AnalyzerProvider, PredictionService } from "./serving/prediction-service";
import { AnalyzerSource } from "./store/priors-store";

export interface PredictionRuntime {
  service: PredictionService;
  analyzers: AnalyzerSource;
  cache: ResilientCache<CustomerPredictions>;
  clock: DayClock;
  /** The service's time: what predictions are made for and "today" counts from (src/clock.ts). */
  now: Now;
  /** AI calls, costs and fallbacks (Query.aiUsage). */
  ledger: DatabaseUsageLedger;
  /** The door to Bedrock when ANALYZER=bedrock. */
  gateway?: BedrockGateway;
  /** AI_MONTHLY_BUDGET_USD (reported by Query.aiUsage whichever analyzer serves). */
  aiBudgetUsd: number;
  /** The process's metrics (GET /metrics): the cache, analyses and Bedrock are metered here. */
  metrics: ServiceMetrics;
  /** Closes the cache connection and the Bedrock client (the database belongs to the caller). */
  close(): Promise<void>;
}

export interface PredictionRuntimeOptions {
  config: PredictionConfig;
  /** Which analyzer serves (default: statistical). */
  analyzer?: AnalyzerConfig;
  db: Db;
  /** Which SQL dialect the bulk statements speak. */
  provider: DatabaseProvider;
  log: Logger;
  /** Tests: wraps (or replaces) the serving analyzer, e.g. to count its calls. */
  analyzers?: (serving: AnalyzerProvider) => AnalyzerProvider;
  /** The service's clock (default: the one config.asOf asks for, else the real time). */
  now?: Now;
  /**
   * How long a Bedrock call may wait for BEDROCK_CALLS_PER_MINUTE's allowance (default 0: a request
   * falls back to statistics at once; refresh workers wait).
   */
  bedrockRateWaitMs?: number;
  /** The process's metrics (default: a registry of this runtime's own). */
  metrics?: ServiceMetrics;
}

/**
 * @example
 *   const runtime = createPredictionRuntime({ config: config.predictions, db: database.prisma, provider: database.provider, log });
 *   const [ana] = await runtime.service.forCustomers([{ id: 42, predictionsVersion: 0 }]);
 *   await runtime.close();
 */
export function createPredictionRuntime({
  config,
  analyzer,
  db,
  provider,
  log,
  analyzers,
  now = clockFor(config),
  bedrockRateWaitMs = 0,
  metrics = new ServiceMetrics(),
}: PredictionRuntimeOptions): PredictionRuntime {
  const ttlMs = config.ttlSeconds * 1_000;
  const cache = createCache<CustomerPredictions>({
    ...(config.redisUrl ? { redisUrl: config.redisUrl } : {}),
    maxEntries: config.cacheMaxEntries,
    ttlMs,
    namespace: config.cacheNamespace,
    near: { maxEntries: config.cacheNearMaxEntries, ttlMs: config.cacheNearTtlSeconds * 1_000 },
    timeoutMs: config.cacheTimeoutMs,
    ...(config.cacheBreakerCooldownMs ? { breakerCooldownMs: config.cacheBreakerCooldownMs } : {}),
    log,
    onRead: (found, missed) => {
      metrics.cacheHits.inc(found);
      metrics.cacheMisses.inc(missed);
    },
  });
  const clock = new DayClock(config.timeZone);
  const source = new AnalyzerSource(db, { timeZone: config.timeZone, provider, log });
  const ledger = new DatabaseUsageLedger(db);
  const meteredLedger = new MeteredLedger(ledger, metrics);
  const callRate =
    analyzer?.kind === "bedrock"
      ? createCallRate({
          callsPerMinute: analyzer.bedrock.callsPerMinute ?? 0,
          ...(config.redisUrl ? { redisUrl: config.redisUrl } : {}),
          namespace: config.cacheNamespace,
          log,
          ...(analyzer.bedrock.callRateWindowMs ? { windowMs: analyzer.bedrock.callRateWindowMs } : {}),
        })
      : undefined;
  const gateway =
    analyzer?.kind === "bedrock"
      ? new BedrockGateway({
          ...analyzer.bedrock,
          ledger: meteredLedger,
          log,
          ...(callRate ? { callRate, callRateWaitMs: bedrockRateWaitMs } : {}),
        })
      : undefined;
  const serving: AnalyzerProvider = gateway
    ? groundedOn(
        source,
        (statistical) =>
          new BedrockAnalyzer(statistical, {
            gateway,
            timeZone: config.timeZone,
            ledger: meteredLedger,
            log,
            ...(analyzer?.bedrock.fallbackRetryMs
              ? { fallbackRetryMs: analyzer.bedrock.fallbackRetryMs }
              : {}),
          }),
      )
    : source;
  const service = new PredictionService({
    db,
    provider,
    cache,
    analyzers: meteredAnalyzers(analyzers ? analyzers(serving) : serving, metrics),
    ttlMs,
    clock,
    log,
    now,
    ...(gateway ? { modelCallsPerRequest: analyzer!.bedrock.maxCallsPerRequest } : {}),
  });
  return {
    service,
    analyzers: source,
    cache,
    clock,
    now,
    ledger,
    ...(gateway ? { gateway } : {}),
    aiBudgetUsd: analyzer?.bedrock.monthlyBudgetUsd ?? 0,
    metrics,
    async close() {
      gateway?.close();
      await callRate?.close();
      await cache.close();
    },
  };
}

/**
 * The cache settings for a process that only writes predictions (the batch refresh CLI, the Lambda
 * handler): Redis as configured, since the API replicas read it, but no near cache (its writes are
 * still announced, so the replicas' near caches drop what it replaces); without Redis the cache
 * would be this process's own memory, read by nobody, so it keeps a single entry.
 */
export function writeOnlyCacheConfig(config: PredictionConfig): PredictionConfig {
  return config.redisUrl ? { ...config, cacheNearMaxEntries: 0 } : { ...config, cacheMaxEntries: 1 };
}

// ---- private helpers ----

/** An analyzer built on the statistical one in force, rebuilt only when that one changes (new priors). */
function groundedOn(source: AnalyzerProvider, build: (statistical: Analyzer) => Analyzer): AnalyzerProvider {
  let built: { on: Analyzer; analyzer: Analyzer } | undefined;
  return {
    async current() {
      const statistical = await source.current();
      if (built?.on !== statistical) built = { on: statistical, analyzer: build(statistical) };
      return built.analyzer;
    },
  };
}
