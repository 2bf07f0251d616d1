// What a process tells Prometheus (GET /metrics): GraphQL requests and errors, the prediction cache,
// analyses, Bedrock calls and their cost, the refresh queue and the batch refresh, plus Node's own
// process metrics. One registry per process (tests run several servers in one process, each its own).
// Labels are bounded sets (operation names are capped, never customer ids), so the number of series
// stays small whatever the traffic.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** Reads the refresh queue's job counts at scrape time (absent without Redis). */
export type QueueCounts = () => Promise<{ waiting: number; active: number; delayed: number; failed: number }>;

/** Reads the running batch run's progress at scrape time: 0–1, or undefined when none runs. */
export type RunProgress = () => Promise<number | undefined>;

export class ServiceMetrics {
  readonly registry = new Registry();

  readonly requestSeconds = new Histogram({
    name: "cai_graphql_request_duration_seconds",
    help: "GraphQL requests by operation name, from parse to response.",
    labelNames: ["operation"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly errors = new Counter({
    name: "cai_graphql_errors_total",
    help: "GraphQL errors sent to clients, by code (BAD_USER_INPUT, UNAUTHENTICATED, INTERNAL_SERVER_ERROR, …).",
    labelNames: ["code"],
    registers: [this.registry],
  });

  readonly cacheHits = new Counter({
    name: "cai_prediction_cache_hits_total",
    help: "Customers whose predictions were read from the cache.",
    registers: [this.registry],
  });

  readonly cacheMisses = new Counter({
    name: "cai_prediction_cache_misses_total",
    help: "Customers looked up in the cache and not found (then computed).",
    registers: [this.registry],
  });

  readonly analyses = new Counter({
    name: "cai_analyses_total",
    help: "Customer analyses made, by the source of their predictions (STATISTICAL or BEDROCK).",
    labelNames: ["source"],
    registers: [this.registry],
  });

  readonly analysisSeconds = new Histogram({
    name: "cai_analysis_duration_seconds",
    help: "One analyzer call (a batch of up to 100 customers), by the analyzer's source.",
    labelNames: ["source"],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 20, 60],
    registers: [this.registry],
  });

  readonly bedrockCalls = new Counter({
    name: "cai_bedrock_calls_total",
    help: 'Calls sent to Bedrock, by outcome ("ok" or why the call failed).',
    labelNames: ["outcome"],
    registers: [this.registry],
  });

  readonly bedrockTokens = new Counter({
    name: "cai_bedrock_tokens_total",
    help: "Tokens of Bedrock calls, by direction (input, output).",
    labelNames: ["direction"],
    registers: [this.registry],
  });

  readonly bedrockCostUsd = new Counter({
    name: "cai_bedrock_cost_usd_total",
    help: "What Bedrock calls cost at the configured prices, in US dollars.",
    registers: [this.registry],
  });

  readonly bedrockFallbacks = new Counter({
    name: "cai_bedrock_fallbacks_total",
    help: "Customers given statistical predictions instead of Claude's, by reason (budget, rate_limited, …).",
    labelNames: ["reason"],
    registers: [this.registry],
  });

  readonly refreshCustomers = new Counter({
    name: "cai_refresh_customers_total",
    help: "Customers this process refreshed in batch-refresh chunks, by result (refreshed, failed).",
    labelNames: ["result"],
    registers: [this.registry],
  });

  readonly refreshChunks = new Counter({
    name: "cai_refresh_chunks_total",
    help: "Batch-refresh chunk jobs this process finished, by outcome (completed, failed: to be retried or for good).",
    labelNames: ["outcome"],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** The refresh queue's jobs by state, read from Redis at each scrape. */
  watchQueue(counts: QueueCounts): void {
    this.registry.removeSingleMetric("cai_queue_jobs");
    new Gauge({
      name: "cai_queue_jobs",
      help: "Jobs of the refresh queue by state (waiting, active, delayed, failed), read from Redis at scrape time.",
      labelNames: ["state"],
      registers: [this.registry],
      async collect() {
        const now = await counts().catch(() => undefined);
        if (!now) return;
        for (const [state, n] of Object.entries(now)) this.set({ state }, n);
      },
    });
  }

  /** The running batch run's progress, read at each scrape (absent while no run runs). */
  watchRun(progress: RunProgress): void {
    this.registry.removeSingleMetric("cai_refresh_progress_ratio");
    new Gauge({
      name: "cai_refresh_progress_ratio",
      help: "0–1: customers done / customers of the running batch run; not reported while none runs.",
      registers: [this.registry],
      async collect() {
        this.reset();
        const now = await progress().catch(() => undefined);
        if (now !== undefined) this.set(now);
      },
    });
  }

  /** Operation names as clients send them, kept to a bounded set of label values. */
  operationLabel(name: string | null | undefined): string {
    if (!name) return "anonymous";
    if (!OPERATION_NAME.test(name)) return "invalid";
    if (this.#operations.has(name)) return name;
    if (this.#operations.size >= MAX_OPERATIONS) return "other";
    this.#operations.add(name);
    return name;
  }

  readonly #operations = new Set<string>();
}

/** A GraphQL name. */
const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;
/** Distinct operation names labelled; later ones count as "other" (a client inventing names cannot blow up the series). */
const MAX_OPERATIONS = 200;
