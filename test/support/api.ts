// Starts the real API server (port 0, 127.0.0.1) on a fresh database and talks to it over HTTP,
// with the typed documents frontends use. Counts the SQL statements each request sends.
import "reflect-metadata";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { type GraphQLFormattedError, print } from "graphql";
import pino from "pino";
import { KeyRing } from "../../src/auth/api-keys";
import {
  type AnalyzerConfig,
  type ApiKeys,
  type DatabaseProvider,
  type DatabaseTimeouts,
  DEFAULT_PREDICTION_CONFIG,
  type PredictionConfig,
} from "../../src/config";
import { type Database, openDatabase } from "../../src/db/client";
import { createPredictionRuntime, type PredictionRuntime } from "../../src/predictions/runtime";
import type { AnalyzerProvider } from "../../src/predictions/serving/prediction-service";
import { type ApiServer, createServer } from "../../src/server";
import { createDatabase, PROVIDERS } from "./databases";

export const TEST_KEYS = {
  read: "read-key-0123456789abcdef",
  ingest: "ingest-key-0123456789abcdef",
  admin: "admin-key-0123456789abcdef",
} as const;

export type KeyName = keyof typeof TEST_KEYS;

export interface GraphQLResponse<T> {
  status: number;
  data?: T | null;
  errors?: GraphQLFormattedError[];
}

export interface TestApi {
  provider: DatabaseProvider;
  url: string;
  database: Database;
  /** The server's prediction machinery. */
  predictions: PredictionRuntime;
  /** SQL statements sent since the last reset. */
  sqlCount(): number;
  resetSqlCount(): void;
  /** Sends a typed operation; `as` picks the API key (none: anonymous). */
  request<TData, TVars>(
    document: TypedDocumentNode<TData, TVars>,
    variables?: TVars,
    options?: { as?: KeyName; headers?: Record<string, string> },
  ): Promise<GraphQLResponse<TData>>;
  /** Sends an arbitrary body to /graphql (or another path) and returns status and text. */
  raw(init: { path?: string; method?: string; body?: string; headers?: Record<string, string> }): Promise<{
    status: number;
    text: string;
    headers: Headers;
  }>;
}

export interface ApiOptions {
  nodeEnv?: "development" | "production" | "test";
  introspection?: boolean;
  /** The browser apps (default: both on outside production, from dist/web). */
  web?: { playground?: boolean; dashboard?: boolean; root?: string };
  apiKeys?: ApiKeys;
  /** An existing migrated database (replicas share one); the caller drops it. Default: a fresh one. */
  database?: { url: string; drop(): Promise<void> };
  /** Deadlines of the server's database calls (default: the configuration's defaults). */
  databaseTimeouts?: DatabaseTimeouts;
  /**
   * REQUEST_TIMEOUT_MS (default 60 s: on a busy test machine a cold request, the priors fit
   * included, can take longer than production's 10 s; test/api/outages.test.ts sets its own).
   */
  requestTimeoutMs?: number;
  /** METRICS_TOKEN (default: none, /metrics open). */
  metricsToken?: string;
  predictions?: {
    config?: Partial<PredictionConfig>;
    /** Which analyzer serves (default statistical). */
    analyzer?: AnalyzerConfig;
    /** Wraps the analyzer source (e.g. to count analyzer calls). */
    analyzers?: (stored: AnalyzerProvider) => AnalyzerProvider;
    now?: () => Date;
  };
}

/** A started server on a fresh, migrated database; stop() stops it and drops the database. */
export async function startApi(provider: DatabaseProvider, options: ApiOptions = {}) {
  const created = options.database ?? (await createDatabase(provider));
  let sql = 0;
  const database = openDatabase(created.url, {
    poolSize: 5,
    onQuery: () => sql++,
    ...(options.databaseTimeouts ? { timeouts: options.databaseTimeouts } : {}),
  });
  const nodeEnv = options.nodeEnv ?? "test";
  const apiKeys = options.apiKeys ?? {
    read: [TEST_KEYS.read],
    ingest: [TEST_KEYS.ingest],
    admin: [TEST_KEYS.admin],
  };
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const predictionConfig = { ...DEFAULT_PREDICTION_CONFIG, ...options.predictions?.config };
  const { analyzers, now, analyzer } = options.predictions ?? {};
  const predictions = createPredictionRuntime({
    config: predictionConfig,
    provider,
    ...(analyzer ? { analyzer } : {}),
    db: database.prisma,
    log,
    ...(analyzers ? { analyzers } : {}),
    ...(now ? { now } : {}),
  });
  const server: ApiServer = await createServer({
    config: {
      nodeEnv,
      port: 0,
      host: "127.0.0.1",
      graphqlIntrospection: options.introspection ?? nodeEnv !== "production",
      requestTimeoutMs: options.requestTimeoutMs ?? 60_000,
      playground: options.web?.playground ?? nodeEnv !== "production",
      dashboard: options.web?.dashboard ?? nodeEnv !== "production",
      ...(options.metricsToken ? { metricsToken: options.metricsToken } : {}),
    },
    ...(options.web?.root ? { webRoot: options.web.root } : {}),
    database,
    log,
    keys: new KeyRing(apiKeys, { anonymousReads: nodeEnv !== "production" }),
    predictions,
  });
  const { port } = await server.listen();
  const base = `http://127.0.0.1:${port}`;

  const api: TestApi = {
    provider,
    url: `${base}/graphql`,
    database,
    predictions,
    sqlCount: () => sql,
    resetSqlCount: () => {
      sql = 0;
    },
    async request(document, variables, { as, headers = {} } = {}) {
      const response = await fetch(`${base}/graphql`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(as ? { authorization: `Bearer ${TEST_KEYS[as]}` } : {}),
          ...headers,
        },
        body: JSON.stringify({ query: print(document), variables }),
      });
      const body = (await response.json()) as { data?: never; errors?: GraphQLFormattedError[] };
      return { status: response.status, data: body.data, errors: body.errors };
    },
    async raw({ path = "/graphql", method = "POST", body, headers = {} }) {
      const response = await fetch(`${base}${path}`, { method, body, headers });
      return { status: response.status, text: await response.text(), headers: response.headers };
    },
  };
  return {
    api,
    async stop() {
      await server.stop();
      await predictions.close();
      await database.close();
      if (!options.database) await created.drop();
    },
  };
}

/**
 * Declares a suite once per database, each with its own started server. PostgreSQL suites are
 * skipped only when the server is unreachable outside CI (see global-setup).
 */
export function describeApi(title: string, body: (api: TestApi) => void, options: ApiOptions = {}): void {
  for (const provider of PROVIDERS) {
    const skip = provider === "postgresql" ? process.env.CAI_TEST_POSTGRES_SKIP : undefined;
    (skip ? describe.skip : describe)(`${title} [${provider}]`, () => {
      const handle = {} as TestApi;
      let stop = async () => {};
      beforeAll(async () => {
        const started = await startApi(provider, options);
        Object.assign(handle, started.api);
        stop = started.stop;
      });
      afterAll(() => stop());
      body(handle);
    });
  }
}
