// Every setting the service reads from its environment, validated in one place.
// A bad value stops start-up with one line naming the variable (see ConfigError), never a stack trace.
import path from "node:path";
import { Cron } from "croner";
import { z } from "zod";

export type DatabaseProvider = "sqlite" | "postgresql";

export interface Config {
  nodeEnv: "development" | "test" | "production";
  /** Where the data lives; the scheme picks the database: file: → SQLite, postgres(ql):// → PostgreSQL. */
  databaseUrl: string;
  databaseProvider: DatabaseProvider;
  databaseTimeouts: DatabaseTimeouts;
  /** REQUEST_TIMEOUT_MS: a GraphQL request not answered by then gets 503 SERVICE_UNAVAILABLE. */
  requestTimeoutMs: number;
  /** Apply pending migrations before any command touches the database. */
  migrateOnStart: boolean;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** HTTP port (0 = any free port). */
  port: number;
  /** Interface to listen on: 127.0.0.1 outside production, 0.0.0.0 in production by default. */
  host: string;
  /** Schema introspection; off in production unless GRAPHQL_INTROSPECTION=true (or PLAYGROUND=true). */
  graphqlIntrospection: boolean;
  /** PLAYGROUND: GraphiQL at GET /graphql for browsers; off in production unless true. Needs introspection. */
  playground: boolean;
  /** DASHBOARD: the web dashboard at /dashboard; off in production unless true. */
  dashboard: boolean;
  /** API keys by role (each list from a comma-separated variable). */
  apiKeys: ApiKeys;
  predictions: PredictionConfig;
  analyzer: AnalyzerConfig;
  /** The refresh queue (BullMQ on REDIS_URL): used only when REDIS_URL is set. */
  queue: QueueConfig;
  /** METRICS_TOKEN: when set, GET /metrics needs "Authorization: Bearer <token>"; absent → open. */
  metricsToken?: string;
}

export interface QueueConfig {
  /** QUEUE_PREFIX: prefix of every queue key in Redis, so deployments and test runs can share one Redis. */
  prefix: string;
  /** WORKER_CONCURRENCY: chunk jobs one `npm run worker` process works on at once. */
  workerConcurrency: number;
  /** WORKER_METRICS_PORT: where a worker serves /metrics and /healthz (0 = a free port, logged). */
  workerMetricsPort: number;
  /**
   * WORKER_LOCK_MS: how long a worker's hold on a job lasts without being renewed; the job of a worker
   * that died goes back to the queue after at most about twice this.
   */
  workerLockMs: number;
}

export interface AnalyzerConfig {
  /** ANALYZER: "statistical" (embedded, default) or "bedrock" (Claude, statistics as fallback). */
  kind: "statistical" | "bedrock";
  bedrock: BedrockConfig;
}

export interface BedrockConfig {
  /** BEDROCK_MODEL_ID: a model or inference-profile id (default Claude Haiku 4.5, US profile). */
  modelId: string;
  /** AWS_REGION (default us-east-1). Credentials come from the AWS SDK's default provider chain. */
  region: string;
  /** BEDROCK_ENDPOINT: endpoint override (VPC endpoints, tests); absent → the region's endpoint. */
  endpoint?: string;
  /** BEDROCK_MAX_CONCURRENCY: calls in flight at most, per process. */
  maxConcurrency: number;
  /** BEDROCK_TIMEOUT_MS: one call's time limit (each retry gets its own). */
  timeoutMs: number;
  /** AI_MONTHLY_BUDGET_USD: past it, statistics only until the month (UTC) rolls over. */
  monthlyBudgetUsd: number;
  /** BEDROCK_MAX_CALLS_PER_REQUEST: Claude calls one GraphQL request may cause; the rest get statistics. */
  maxCallsPerRequest: number;
  /**
   * BEDROCK_CALLS_PER_MINUTE: calls sent per minute at most, by all processes together when REDIS_URL
   * is set (counted in Redis), by each process otherwise. 0 or absent = no limit.
   */
  callsPerMinute?: number;
  /** USD per million tokens: BEDROCK_INPUT/OUTPUT_PRICE_PER_MTOK, or the built-in table for known models. */
  price: { inputPerMTok: number; outputPerMTok: number };
  /** Tuning without a variable (tests shorten them): first retry delay, breaker, fallback lifetime. */
  retryDelayMs?: number;
  callRateWindowMs?: number;
  breakerFailures?: number;
  breakerCooldownMs?: number;
  fallbackRetryMs?: number;
}

/** Claude Haiku 4.5 through the US cross-region inference profile. */
export const DEFAULT_BEDROCK_MODEL_ID = "us.anthropic.claude-haiku-4-5-20251001-v1:0";

/**
 * On-demand prices (USD per million tokens) as published on 2026-11-25 for the models this project
 * documents; BEDROCK_INPUT_PRICE_PER_MTOK / BEDROCK_OUTPUT_PRICE_PER_MTOK override them. Matched by
 * the model name inside any id or inference-profile id.
 */
export const MODEL_PRICES: ReadonlyArray<{ model: string; inputPerMTok: number; outputPerMTok: number }> = [
  { model: "claude-haiku-4-5", inputPerMTok: 1, outputPerMTok: 5 },
  { model: "claude-sonnet-4-5", inputPerMTok: 3, outputPerMTok: 15 },
  { model: "claude-sonnet-4-", inputPerMTok: 3, outputPerMTok: 15 },
];

/** How long any one database call may take, so a hung or locked database fails calls instead of holding them. */
export interface DatabaseTimeouts {
  /** DATABASE_CONNECT_TIMEOUT_MS: PostgreSQL only: opening a connection, or waiting for a free one in the pool. */
  connectMs: number;
  /**
   * DATABASE_STATEMENT_TIMEOUT_MS: PostgreSQL only: one statement. The server cancels it
   * (statement_timeout) and the client gives up a second later if the server does not even say so.
   * Generous, for the batch refresh and imports; API requests have their own, shorter deadline.
   */
  statementMs: number;
  /**
   * SQLITE_BUSY_TIMEOUT_MS: how long a SQLite write waits for another process's lock. SQLite calls
   * are synchronous, so the wait holds the whole process: keep it short.
   */
  sqliteBusyMs: number;
}

export interface PredictionConfig {
  /** REDIS_URL: share the prediction cache between replicas; absent → an in-memory cache per process. */
  redisUrl?: string;
  /** CACHE_MAX_ENTRIES: customers the in-memory cache holds at most (least recently used go first). */
  cacheMaxEntries: number;
  /** CACHE_NAMESPACE: prefix of every cache key, so deployments can share one Redis. */
  cacheNamespace: string;
  /** CACHE_NEAR_MAX_ENTRIES: with Redis, parsed customers each process also holds itself (0: none). */
  cacheNearMaxEntries: number;
  /** CACHE_NEAR_TTL_SECONDS: the longest a process holds one (never past its expiry in Redis). */
  cacheNearTtlSeconds: number;
  /**
   * CACHE_TIMEOUT_MS: a cache operation slower than this (once per 100 keys it touches) counts as failed
   * (a miss, a skipped write).
   */
  cacheTimeoutMs: number;
  /** Tuning without a variable (tests shorten it): how long a failing cache is skipped before a retry. */
  cacheBreakerCooldownMs?: number;
  /** PREDICTION_TTL_SECONDS: how long a customer's predictions are served from the cache. */
  ttlSeconds: number;
  /** TIME_ZONE: the calendar customers shop on (IANA name); prediction dates are its days. */
  timeZone: string;
  /** REFRESH_CRON: when the server itself starts the daily refresh (cron expression); absent → never. */
  refreshCron?: string;
  /**
   * PREDICTIONS_AS_OF: "YYYY-MM-DD", the service's today for historical data (see src/clock.ts);
   * absent → the real date. Refused in production.
   */
  asOf?: string;
}

export interface ApiKeys {
  /** READ_API_KEYS: every query. */
  read: string[];
  /** INGEST_API_KEYS: queries + recordPurchase (the retailer's order system). */
  ingest: string[];
  /** ADMIN_API_KEYS: everything. */
  admin: string[];
}

/** The embedded default: a SQLite file under ./data/, created on first use. */
export const DEFAULT_DATABASE_URL = "file:./data/customer-ai-analytics.db";

export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Reads and validates the configuration.
 *
 * @example
 *   const config = loadConfig(process.env);
 *   config.databaseProvider; // "sqlite" unless DATABASE_URL says otherwise
 * @throws ConfigError naming the first bad variable, what it expects and what it got.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? "environment");
    // Keys are secrets: say what is wrong with them, never what they are.
    const got = name.endsWith("_API_KEYS") || name === "METRICS_TOKEN" ? undefined : env[name];
    throw new ConfigError(
      `Invalid configuration: ${name}: ${issue.message}` +
        (got === undefined ? "" : ` (got ${JSON.stringify(redactUrl(got))})`),
    );
  }
  const vars = parsed.data;
  const production = vars.NODE_ENV === "production";
  if (production && vars.PREDICTIONS_AS_OF) {
    // A production service that believes it is another day would answer every customer wrongly.
    throw new ConfigError(
      `Invalid configuration: PREDICTIONS_AS_OF: expected it unset when NODE_ENV=production ` +
        `(it pins "today" for historical data), got ${JSON.stringify(vars.PREDICTIONS_AS_OF)}`,
    );
  }
  const { graphqlIntrospection, playground } = playgroundAndIntrospection(vars, production);
  return {
    nodeEnv: vars.NODE_ENV,
    databaseUrl: vars.DATABASE_URL,
    databaseProvider: providerOf(vars.DATABASE_URL)!,
    databaseTimeouts: {
      connectMs: vars.DATABASE_CONNECT_TIMEOUT_MS,
      statementMs: vars.DATABASE_STATEMENT_TIMEOUT_MS,
      sqliteBusyMs: vars.SQLITE_BUSY_TIMEOUT_MS,
    },
    requestTimeoutMs: vars.REQUEST_TIMEOUT_MS,
    migrateOnStart: vars.MIGRATE_ON_START,
    logLevel: vars.LOG_LEVEL ?? (vars.NODE_ENV === "test" ? "warn" : "info"),
    port: vars.PORT,
    host: vars.HOST ?? (production ? "0.0.0.0" : "127.0.0.1"),
    graphqlIntrospection,
    playground,
    dashboard: vars.DASHBOARD ?? !production,
    apiKeys: { read: vars.READ_API_KEYS, ingest: vars.INGEST_API_KEYS, admin: vars.ADMIN_API_KEYS },
    predictions: {
      ...(vars.REDIS_URL ? { redisUrl: vars.REDIS_URL } : {}),
      cacheMaxEntries: vars.CACHE_MAX_ENTRIES,
      cacheNamespace: vars.CACHE_NAMESPACE,
      cacheNearMaxEntries: vars.CACHE_NEAR_MAX_ENTRIES,
      cacheNearTtlSeconds: vars.CACHE_NEAR_TTL_SECONDS,
      cacheTimeoutMs: vars.CACHE_TIMEOUT_MS,
      ttlSeconds: vars.PREDICTION_TTL_SECONDS,
      timeZone: vars.TIME_ZONE,
      ...(vars.REFRESH_CRON ? { refreshCron: vars.REFRESH_CRON } : {}),
      ...(vars.PREDICTIONS_AS_OF ? { asOf: vars.PREDICTIONS_AS_OF } : {}),
    },
    analyzer: {
      kind: vars.ANALYZER,
      bedrock: {
        modelId: vars.BEDROCK_MODEL_ID,
        region: vars.AWS_REGION,
        ...(vars.BEDROCK_ENDPOINT ? { endpoint: vars.BEDROCK_ENDPOINT } : {}),
        maxConcurrency: vars.BEDROCK_MAX_CONCURRENCY,
        timeoutMs: vars.BEDROCK_TIMEOUT_MS,
        monthlyBudgetUsd: vars.AI_MONTHLY_BUDGET_USD,
        maxCallsPerRequest: vars.BEDROCK_MAX_CALLS_PER_REQUEST,
        callsPerMinute: vars.BEDROCK_CALLS_PER_MINUTE,
        price: modelPrice(vars),
      },
    },
    queue: {
      prefix: vars.QUEUE_PREFIX,
      workerConcurrency: vars.WORKER_CONCURRENCY,
      workerMetricsPort: vars.WORKER_METRICS_PORT,
      workerLockMs: vars.WORKER_LOCK_MS,
    },
    ...(vars.METRICS_TOKEN ? { metricsToken: vars.METRICS_TOKEN } : {}),
  };
}

/**
 * The playground is useless without introspection (no docs, no autocompletion), so it turns it on;
 * outside production, GRAPHQL_INTROSPECTION=false alone turns the playground off with it.
 */
function playgroundAndIntrospection(
  vars: z.infer<typeof schema>,
  production: boolean,
): { graphqlIntrospection: boolean; playground: boolean } {
  if (vars.PLAYGROUND === true && vars.GRAPHQL_INTROSPECTION === false) {
    throw new ConfigError(
      "Invalid configuration: PLAYGROUND: the playground needs introspection; " +
        'expected GRAPHQL_INTROSPECTION unset or true with PLAYGROUND=true (got "false")',
    );
  }
  const playground = vars.PLAYGROUND ?? (!production && vars.GRAPHQL_INTROSPECTION !== false);
  return { graphqlIntrospection: vars.GRAPHQL_INTROSPECTION ?? (!production || playground), playground };
}

/** The configured price override, or the built-in price of the model; ConfigError when neither exists. */
function modelPrice(vars: z.infer<typeof schema>): BedrockConfig["price"] {
  const known = MODEL_PRICES.find(({ model }) => vars.BEDROCK_MODEL_ID.includes(model));
  const inputPerMTok = vars.BEDROCK_INPUT_PRICE_PER_MTOK ?? known?.inputPerMTok;
  const outputPerMTok = vars.BEDROCK_OUTPUT_PRICE_PER_MTOK ?? known?.outputPerMTok;
  if (inputPerMTok === undefined || outputPerMTok === undefined) {
    throw new ConfigError(
      `Invalid configuration: BEDROCK_MODEL_ID: no built-in price for ${JSON.stringify(vars.BEDROCK_MODEL_ID)}; ` +
        "expected BEDROCK_INPUT_PRICE_PER_MTOK and BEDROCK_OUTPUT_PRICE_PER_MTOK (USD per million tokens) to be set",
    );
  }
  return { inputPerMTok, outputPerMTok };
}

/** The provider a database URL names, or undefined if it names none we support. */
export function providerOf(url: string): DatabaseProvider | undefined {
  if (url.startsWith("file:")) return "sqlite";
  if (/^postgres(ql)?:\/\//.test(url)) return "postgresql";
  return undefined;
}

/** The absolute path of a file: URL's SQLite database (relative paths are relative to the working directory). */
export function sqlitePath(url: string): string {
  const file = url.slice("file:".length).replace(/\?.*$/, "");
  return path.resolve(file);
}

/** The URL with any password replaced, safe for logs and error messages. */
export function redactUrl(value: string): string {
  return value.replace(/(\/\/[^:/@]*:)[^@]*@/, "$1***@");
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** A real calendar day written YYYY-MM-DD, within the years purchases may carry. */
function isCalendarDate(value: string): boolean {
  if (!/^20\d\d-\d\d-\d\d$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}

/** Why a REFRESH_CRON expression cannot schedule anything, or undefined when it can. */
function cronProblem(expression: string): string | undefined {
  const expected =
    'expected a cron expression such as "0 3 * * *" (minute hour day-of-month month day-of-week)';
  try {
    // Without a function croner only parses: no timer is started.
    if (new Cron(expression).nextRun() === null) return `${expected}; this one never fires`;
    return undefined;
  } catch (error) {
    return `${expected}: ${(error as Error).message.replace(/^CronPattern: /, "")}`;
  }
}

const booleanString = () =>
  z
    .enum(["true", "false", "1", "0"], { error: "expected true or false" })
    .transform((v) => v === "true" || v === "1");

/** Shorter keys can be guessed; commas separate keys and white space is a copy-paste accident. */
export const MIN_API_KEY_LENGTH = 16;

const apiKeyList = z
  .string()
  .default("")
  .transform((value) =>
    value
      .split(",")
      .map((key) => key.trim())
      .filter(Boolean),
  )
  .refine((keys) => keys.every((key) => key.length >= MIN_API_KEY_LENGTH && !/\s/.test(key)), {
    message: `expected comma-separated keys of at least ${MIN_API_KEY_LENGTH} characters without spaces`,
  });

/** A whole number from `min` to `max`, written in digits (no signs, exponents or hex). */
const wholeNumber = (min: number, max: number, fallback: number) => {
  const expected = `expected a whole number from ${min} to ${max}`;
  return z
    .string()
    .trim()
    .regex(/^\d{1,15}$/, { error: expected })
    .transform(Number)
    .refine((n) => n >= min && n <= max, { error: expected })
    .default(fallback);
};

/** A non-negative amount written as plain decimal digits (e.g. 50 or 0.25). */
function decimal(name: string) {
  return z
    .string()
    .trim()
    .regex(/^\d{1,9}(\.\d{1,6})?$/, {
      error: `expected a non-negative amount such as 50 or 0.25 for ${name}`,
    })
    .transform(Number);
}

const PORT_EXPECTED = "expected a port number from 0 to 65535";

// Digits only: Number() would read "" as 0 (any free port), "0x50" as 80 and "8e3" as 8000.
const port = (fallback: number) =>
  z
    .string()
    .trim()
    .regex(/^\d{1,5}$/, { error: PORT_EXPECTED })
    .transform(Number)
    .refine((n) => n <= 65_535, { error: PORT_EXPECTED })
    .default(fallback);

/** Letters, digits, '_', '.' or '-': safe in a Redis key and in a BullMQ prefix (no ':'). */
const keyPrefix = (fallback: string) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: "expected 1 to 64 letters, digits, '_', '.' or '-'" })
    .default(fallback);

const schema = z.object({
  NODE_ENV: z
    .enum(["development", "test", "production"], { error: "expected development, test or production" })
    .default("development"),
  DATABASE_URL: z
    .string()
    .default(DEFAULT_DATABASE_URL)
    .refine((url) => providerOf(url) !== undefined, {
      message: "expected a SQLite URL (file:./path.db) or a PostgreSQL URL (postgresql://user@host:5432/db)",
    })
    .refine((url) => !url.startsWith("file:") || url.length > "file:".length, {
      message: "expected a file path after file:",
    }),
  DATABASE_CONNECT_TIMEOUT_MS: wholeNumber(100, 600_000, 5_000),
  DATABASE_STATEMENT_TIMEOUT_MS: wholeNumber(100, 3_600_000, 30_000),
  SQLITE_BUSY_TIMEOUT_MS: wholeNumber(0, 600_000, 2_000),
  REQUEST_TIMEOUT_MS: wholeNumber(100, 600_000, 10_000),
  MIGRATE_ON_START: booleanString().default(true),
  PORT: port(4000),
  HOST: z.string().min(1, { error: "expected a host name or IP address" }).optional(),
  GRAPHQL_INTROSPECTION: booleanString().optional(),
  PLAYGROUND: booleanString().optional(),
  DASHBOARD: booleanString().optional(),
  READ_API_KEYS: apiKeyList,
  INGEST_API_KEYS: apiKeyList,
  ADMIN_API_KEYS: apiKeyList,
  REDIS_URL: z
    .string()
    .trim()
    .refine((url) => url === "" || /^rediss?:\/\/./.test(url), {
      message: "expected a Redis URL (redis://host:6379 or rediss://…)",
    })
    .optional(),
  CACHE_MAX_ENTRIES: wholeNumber(1, 10_000_000, 10_000),
  CACHE_NAMESPACE: keyPrefix("cai"),
  QUEUE_PREFIX: keyPrefix("cai"),
  WORKER_CONCURRENCY: wholeNumber(1, 64, 2),
  WORKER_METRICS_PORT: port(9464),
  WORKER_LOCK_MS: wholeNumber(1_000, 600_000, 30_000),
  METRICS_TOKEN: z
    .string()
    .trim()
    .refine((token) => token === "" || /^[\x21-\x7e]{16,200}$/.test(token), {
      message: "expected 16 to 200 printable characters without spaces",
    })
    .optional(),
  CACHE_NEAR_MAX_ENTRIES: wholeNumber(0, 1_000_000, 2_000),
  CACHE_NEAR_TTL_SECONDS: wholeNumber(1, 86_400, 30),
  CACHE_TIMEOUT_MS: wholeNumber(10, 60_000, 200),
  PREDICTION_TTL_SECONDS: wholeNumber(1, 31 * 86_400, 86_400),
  TIME_ZONE: z
    .string()
    .default("UTC")
    .refine(isTimeZone, { message: 'expected an IANA time zone such as "UTC" or "America/New_York"' }),
  // Parsed by croner, the library that schedules it (src/predictions/batch/refresh-schedule.ts).
  REFRESH_CRON: z
    .string()
    .trim()
    .optional()
    .superRefine((value, ctx) => {
      const problem = value ? cronProblem(value) : undefined;
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
  PREDICTIONS_AS_OF: z
    .string()
    .trim()
    .optional()
    .refine((value) => !value || isCalendarDate(value), {
      message: "expected a date YYYY-MM-DD from 2000-01-01 to 2099-12-31",
    }),
  ANALYZER: z
    .enum(["statistical", "bedrock"], { error: "expected statistical or bedrock" })
    .default("statistical"),
  BEDROCK_MODEL_ID: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9._:/-]{1,200}$/, { error: "expected a Bedrock model or inference-profile id" })
    .default(DEFAULT_BEDROCK_MODEL_ID),
  AWS_REGION: z
    .string()
    .trim()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { error: "expected an AWS region such as us-east-1" })
    .default("us-east-1"),
  BEDROCK_ENDPOINT: z
    .string()
    .trim()
    .refine((url) => url === "" || /^https?:\/\/[^\s]+$/.test(url), {
      message: "expected an http(s) URL such as https://bedrock-runtime.us-east-1.amazonaws.com",
    })
    .optional(),
  BEDROCK_MAX_CONCURRENCY: wholeNumber(1, 1_000, 4),
  BEDROCK_TIMEOUT_MS: wholeNumber(100, 600_000, 20_000),
  BEDROCK_MAX_CALLS_PER_REQUEST: wholeNumber(0, 10_000, 10),
  BEDROCK_CALLS_PER_MINUTE: wholeNumber(0, 1_000_000, 100),
  AI_MONTHLY_BUDGET_USD: decimal("AI_MONTHLY_BUDGET_USD").default(50),
  BEDROCK_INPUT_PRICE_PER_MTOK: decimal("BEDROCK_INPUT_PRICE_PER_MTOK").optional(),
  BEDROCK_OUTPUT_PRICE_PER_MTOK: decimal("BEDROCK_OUTPUT_PRICE_PER_MTOK").optional(),
  LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
      error: "expected one of fatal, error, warn, info, debug, trace, silent",
    })
    .optional(),
});

/** Every variable loadConfig reads (the deployment files are checked against it). */
export const ENVIRONMENT_VARIABLES: readonly string[] = Object.keys(schema.shape);

const DEFAULTS = loadConfig({});

/** The database deadlines when no variable sets them: 5 s to connect, 30 s per statement, 2 s for a SQLite lock. */
export const DEFAULT_DATABASE_TIMEOUTS: DatabaseTimeouts = Object.freeze(DEFAULTS.databaseTimeouts);

/** REQUEST_TIMEOUT_MS when unset: 10 s. */
export const DEFAULT_REQUEST_TIMEOUT_MS = DEFAULTS.requestTimeoutMs;

/** The prediction settings when no variable sets them: the schema's defaults (in-memory cache, 24 h, UTC). */
export const DEFAULT_PREDICTION_CONFIG: PredictionConfig = Object.freeze(DEFAULTS.predictions);
