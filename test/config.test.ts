import path from "node:path";
import { ConfigError, DEFAULT_DATABASE_URL, loadConfig, sqlitePath } from "../src/config";

describe("loadConfig", () => {
  it("defaults to the embedded SQLite file, development, migrations on", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      nodeEnv: "development",
      databaseUrl: DEFAULT_DATABASE_URL,
      databaseProvider: "sqlite",
      migrateOnStart: true,
      logLevel: "info",
    });
    expect(sqlitePath(config.databaseUrl)).toBe(path.resolve("data", "customer-ai-analytics.db"));
  });

  it("picks PostgreSQL from the URL scheme", () => {
    for (const url of ["postgresql://u@h:5432/db", "postgres://u@h/db"]) {
      expect(loadConfig({ DATABASE_URL: url }).databaseProvider).toBe("postgresql");
    }
  });

  it("defaults predictions to an in-memory cache, 24 h, UTC, and the statistical analyzer", () => {
    const config = loadConfig({});
    expect(config.predictions).toEqual({
      cacheMaxEntries: 10_000,
      cacheNamespace: "cai",
      cacheNearMaxEntries: 2_000,
      cacheNearTtlSeconds: 30,
      cacheTimeoutMs: 200,
      ttlSeconds: 86_400,
      timeZone: "UTC",
    });
    expect(config.analyzer.kind).toBe("statistical");
    expect(config.analyzer.bedrock).toMatchObject({
      modelId: "us.anthropic.claude-haiku-4-5-20251001-v1:0",
      region: "us-east-1",
      price: { inputPerMTok: 1, outputPerMTok: 5 },
      monthlyBudgetUsd: 50,
      maxCallsPerRequest: 10,
    });
    expect(loadConfig({ BEDROCK_MAX_CALLS_PER_REQUEST: "0" }).analyzer.bedrock.maxCallsPerRequest).toBe(0);
    expect(() => loadConfig({ BEDROCK_MAX_CALLS_PER_REQUEST: "-1" })).toThrow(
      /BEDROCK_MAX_CALLS_PER_REQUEST: expected a whole number from 0 to 10000/,
    );
  });

  it("reads the Bedrock settings, prices Sonnet from the table and takes price overrides", () => {
    const sonnet = loadConfig({
      ANALYZER: "bedrock",
      BEDROCK_MODEL_ID: "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
      AWS_REGION: "eu-west-1",
      BEDROCK_ENDPOINT: "http://127.0.0.1:9000",
      AI_MONTHLY_BUDGET_USD: "12.5",
    }).analyzer;
    expect(sonnet).toMatchObject({
      kind: "bedrock",
      bedrock: { region: "eu-west-1", endpoint: "http://127.0.0.1:9000", monthlyBudgetUsd: 12.5 },
    });
    expect(sonnet.bedrock.price).toEqual({ inputPerMTok: 3, outputPerMTok: 15 });
    const custom = loadConfig({
      BEDROCK_MODEL_ID: "mistral.large-v1",
      BEDROCK_INPUT_PRICE_PER_MTOK: "0.5",
      BEDROCK_OUTPUT_PRICE_PER_MTOK: "1.5",
    }).analyzer.bedrock;
    expect(custom.price).toEqual({ inputPerMTok: 0.5, outputPerMTok: 1.5 });
  });

  it("reads the near cache's size and time to live; 0 entries turns it off", () => {
    expect(
      loadConfig({
        REDIS_URL: "redis://cache:6379",
        CACHE_NEAR_MAX_ENTRIES: "500",
        CACHE_NEAR_TTL_SECONDS: "5",
      }).predictions,
    ).toMatchObject({ redisUrl: "redis://cache:6379", cacheNearMaxEntries: 500, cacheNearTtlSeconds: 5 });
    expect(loadConfig({ CACHE_NEAR_MAX_ENTRIES: "0" }).predictions.cacheNearMaxEntries).toBe(0);
  });

  it("gives every request 10 s and every database call a deadline by default, and reads them", () => {
    const defaults = loadConfig({});
    expect(defaults.requestTimeoutMs).toBe(10_000);
    expect(defaults.databaseTimeouts).toEqual({ connectMs: 5_000, statementMs: 30_000, sqliteBusyMs: 2_000 });
    const set = loadConfig({
      REQUEST_TIMEOUT_MS: "2500",
      DATABASE_CONNECT_TIMEOUT_MS: "1000",
      DATABASE_STATEMENT_TIMEOUT_MS: "60000",
      SQLITE_BUSY_TIMEOUT_MS: "0",
    });
    expect(set.requestTimeoutMs).toBe(2_500);
    expect(set.databaseTimeouts).toEqual({ connectMs: 1_000, statementMs: 60_000, sqliteBusyMs: 0 });
  });

  it("reads the cache operation timeout", () => {
    expect(loadConfig({ CACHE_TIMEOUT_MS: "50" }).predictions.cacheTimeoutMs).toBe(50);
    expect(() => loadConfig({ CACHE_TIMEOUT_MS: "0" })).toThrow(
      /CACHE_TIMEOUT_MS: expected a whole number from 10/,
    );
  });

  it("reads PREDICTIONS_AS_OF outside production", () => {
    expect(loadConfig({ PREDICTIONS_AS_OF: "2018-01-01" }).predictions.asOf).toBe("2018-01-01");
    expect(loadConfig({ PREDICTIONS_AS_OF: "" }).predictions.asOf).toBeUndefined();
  });

  it("serves the playground and the dashboard outside production only, unless PLAYGROUND/DASHBOARD=true", () => {
    const pick = (env: NodeJS.ProcessEnv) => {
      const { playground, dashboard, graphqlIntrospection } = loadConfig(env);
      return { playground, dashboard, graphqlIntrospection };
    };
    expect(pick({})).toEqual({ playground: true, dashboard: true, graphqlIntrospection: true });
    expect(pick({ NODE_ENV: "production" })).toEqual({
      playground: false,
      dashboard: false,
      graphqlIntrospection: false,
    });
    // The playground needs introspection: turning it on in production turns introspection on.
    expect(pick({ NODE_ENV: "production", PLAYGROUND: "true", DASHBOARD: "true" })).toEqual({
      playground: true,
      dashboard: true,
      graphqlIntrospection: true,
    });
    expect(pick({ PLAYGROUND: "false", DASHBOARD: "0" })).toMatchObject({
      playground: false,
      dashboard: false,
    });
    // Introspection off outside production takes the playground with it, unless asked for both.
    expect(pick({ GRAPHQL_INTROSPECTION: "false" })).toMatchObject({ playground: false, dashboard: true });
    expect(() => loadConfig({ PLAYGROUND: "true", GRAPHQL_INTROSPECTION: "false" })).toThrow(
      /PLAYGROUND: the playground needs introspection; expected GRAPHQL_INTROSPECTION unset or true/,
    );
    expect(() => loadConfig({ DASHBOARD: "yes" })).toThrow('DASHBOARD: expected true or false (got "yes")');
  });

  it("reads the queue, worker and metrics settings, with their defaults", () => {
    expect(loadConfig({})).toMatchObject({
      queue: { prefix: "cai", workerConcurrency: 2, workerMetricsPort: 9464, workerLockMs: 30_000 },
      analyzer: { bedrock: { callsPerMinute: 100 } },
    });
    expect(loadConfig({}).metricsToken).toBeUndefined();
    const config = loadConfig({
      QUEUE_PREFIX: "staging-2",
      WORKER_CONCURRENCY: "8",
      WORKER_METRICS_PORT: "0",
      WORKER_LOCK_MS: "10000",
      METRICS_TOKEN: "scrape-token-0123456789",
      BEDROCK_CALLS_PER_MINUTE: "0",
    });
    expect(config).toMatchObject({
      queue: { prefix: "staging-2", workerConcurrency: 8, workerMetricsPort: 0, workerLockMs: 10_000 },
      metricsToken: "scrape-token-0123456789",
      analyzer: { bedrock: { callsPerMinute: 0 } },
    });
  });

  it.each([
    [
      { QUEUE_PREFIX: "cai:prod" },
      `QUEUE_PREFIX: expected 1 to 64 letters, digits, '_', '.' or '-' (got "cai:prod")`,
    ],
    [{ WORKER_CONCURRENCY: "0" }, 'WORKER_CONCURRENCY: expected a whole number from 1 to 64 (got "0")'],
    [
      { WORKER_METRICS_PORT: "70000" },
      'WORKER_METRICS_PORT: expected a port number from 0 to 65535 (got "70000")',
    ],
    [
      { BEDROCK_CALLS_PER_MINUTE: "many" },
      'BEDROCK_CALLS_PER_MINUTE: expected a whole number from 0 to 1000000 (got "many")',
    ],
    // A secret: what is wrong with it is said, the value is not.
    [{ METRICS_TOKEN: "short" }, "METRICS_TOKEN: expected 16 to 200 printable characters without spaces"],
  ])("refuses %j", (env, message) => {
    expect(() => loadConfig(env)).toThrow(new ConfigError(`Invalid configuration: ${message}`));
  });

  it("reads MIGRATE_ON_START=false", () => {
    expect(loadConfig({ MIGRATE_ON_START: "false" }).migrateOnStart).toBe(false);
  });

  it.each([
    [
      { DATABASE_URL: "mysql://root:hunter2@db/shop" },
      'Invalid configuration: DATABASE_URL: expected a SQLite URL (file:./path.db) or a PostgreSQL URL (postgresql://user@host:5432/db) (got "mysql://root:***@db/shop")',
    ],
    [
      { DATABASE_URL: "file:" },
      'Invalid configuration: DATABASE_URL: expected a file path after file: (got "file:")',
    ],
    [
      { MIGRATE_ON_START: "maybe" },
      'Invalid configuration: MIGRATE_ON_START: expected true or false (got "maybe")',
    ],
    [
      { REDIS_URL: "http://:s3cret@cache:6379" },
      'Invalid configuration: REDIS_URL: expected a Redis URL (redis://host:6379 or rediss://…) (got "http://:***@cache:6379")',
    ],
    [
      { CACHE_MAX_ENTRIES: "1e4" },
      'Invalid configuration: CACHE_MAX_ENTRIES: expected a whole number from 1 to 10000000 (got "1e4")',
    ],
    [
      { REQUEST_TIMEOUT_MS: "0" },
      'Invalid configuration: REQUEST_TIMEOUT_MS: expected a whole number from 100 to 600000 (got "0")',
    ],
    [
      { DATABASE_STATEMENT_TIMEOUT_MS: "30s" },
      'Invalid configuration: DATABASE_STATEMENT_TIMEOUT_MS: expected a whole number from 100 to 3600000 (got "30s")',
    ],
    [
      { CACHE_NEAR_MAX_ENTRIES: "-1" },
      'Invalid configuration: CACHE_NEAR_MAX_ENTRIES: expected a whole number from 0 to 1000000 (got "-1")',
    ],
    [
      { CACHE_NEAR_TTL_SECONDS: "0" },
      'Invalid configuration: CACHE_NEAR_TTL_SECONDS: expected a whole number from 1 to 86400 (got "0")',
    ],
    [
      { CACHE_NEAR_TTL_SECONDS: "30s" },
      'Invalid configuration: CACHE_NEAR_TTL_SECONDS: expected a whole number from 1 to 86400 (got "30s")',
    ],
    [
      { PREDICTION_TTL_SECONDS: "0" },
      'Invalid configuration: PREDICTION_TTL_SECONDS: expected a whole number from 1 to 2678400 (got "0")',
    ],
    [
      { TIME_ZONE: "Mars/Olympus" },
      'Invalid configuration: TIME_ZONE: expected an IANA time zone such as "UTC" or "America/New_York" (got "Mars/Olympus")',
    ],
    [{ ANALYZER: "gpt" }, 'Invalid configuration: ANALYZER: expected statistical or bedrock (got "gpt")'],
    [
      { AI_MONTHLY_BUDGET_USD: "-5" },
      'Invalid configuration: AI_MONTHLY_BUDGET_USD: expected a non-negative amount such as 50 or 0.25 for AI_MONTHLY_BUDGET_USD (got "-5")',
    ],
    [
      { BEDROCK_MODEL_ID: "mistral.large-v1" },
      'Invalid configuration: BEDROCK_MODEL_ID: no built-in price for "mistral.large-v1"; expected BEDROCK_INPUT_PRICE_PER_MTOK and BEDROCK_OUTPUT_PRICE_PER_MTOK (USD per million tokens) to be set',
    ],
    [
      { PREDICTIONS_AS_OF: "2017-02-30" },
      'Invalid configuration: PREDICTIONS_AS_OF: expected a date YYYY-MM-DD from 2000-01-01 to 2099-12-31 (got "2017-02-30")',
    ],
    [
      { PREDICTIONS_AS_OF: "yesterday" },
      'Invalid configuration: PREDICTIONS_AS_OF: expected a date YYYY-MM-DD from 2000-01-01 to 2099-12-31 (got "yesterday")',
    ],
    [
      { PREDICTIONS_AS_OF: "2018-01-01", NODE_ENV: "production" },
      'Invalid configuration: PREDICTIONS_AS_OF: expected it unset when NODE_ENV=production (it pins "today" for historical data), got "2018-01-01"',
    ],
    [
      { NODE_ENV: "prod" },
      'Invalid configuration: NODE_ENV: expected development, test or production (got "prod")',
    ],
  ])("rejects %j with one line naming the variable", (env, message) => {
    expect(() => loadConfig(env)).toThrow(new ConfigError(message));
    try {
      loadConfig(env);
    } catch (error) {
      expect((error as Error).message).not.toContain("\n");
      expect((error as Error).message).not.toContain("hunter2");
    }
  });
});
