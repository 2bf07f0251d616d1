// Wires the HTTP server: express (health routes, body limit, request ids and logs) around Apollo
// Server running the type-graphql schema. Everything it needs comes in through ServerDeps.
// Decorated type-graphql classes read metadata as they load: this must come before any of them.
import "reflect-metadata";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloServer } from "@apollo/server";
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from "@apollo/server/plugin/disabled";
import { ApolloServerPluginDisableSuggestions } from "@apollo/server/plugin/disableSuggestions";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { expressMiddleware } from "@as-integrations/express5";
import express from "express";
import type { KeyRing } from "./auth/api-keys";
import { type Config, DEFAULT_PREDICTION_CONFIG, DEFAULT_REQUEST_TIMEOUT_MS } from "./config";
import type { Database } from "./db/client";
import { availabilityPlugin } from "./graphql/availability";
import { createContext, type RequestContext } from "./graphql/context";
import { createErrorFormatter } from "./graphql/errors";
import { DEFAULT_HEAVY_QUERY_GATE, HeavyQueryGate } from "./graphql/heavy-query-gate";
import { inputBoundaryPlugin } from "./graphql/input-boundary";
import { DEFAULT_QUERY_LIMITS, queryLimitsPlugin } from "./graphql/query-limits";
import { requestLoggingPlugin } from "./graphql/request-logging";
import { stringifyWithinLimit } from "./graphql/response-size";
import { buildApiSchema } from "./graphql/schema";
import { accessLog } from "./http/access-log";
import { bodyErrorHandler } from "./http/body-errors";
import { healthz, readyz } from "./http/health";
import { dropLateAnswers, requestDeadline } from "./http/request-deadline";
import type { Logger } from "./logger";
import { graphqlMetricsPlugin } from "./metrics/graphql-metrics-plugin";
import { answerScrape } from "./metrics/metrics-route";
import { watchRefreshes } from "./metrics/refresh-gauges";
import { startBatchRefreshes } from "./predictions/batch/batch-refreshes";
import { createPredictionRuntime, type PredictionRuntime } from "./predictions/runtime";
import { webApps } from "./web/web-apps";

export interface ServerDeps {
  config: Pick<Config, "nodeEnv" | "port" | "host" | "graphqlIntrospection"> &
    Partial<
      Pick<
        Config,
        | "predictions"
        | "analyzer"
        | "requestTimeoutMs"
        | "playground"
        | "dashboard"
        | "queue"
        | "metricsToken"
      >
    >;
  database: Database;
  log: Logger;
  keys: KeyRing;
  /**
   * The prediction machinery; by default built from config.predictions (the embedded defaults when
   * absent) and closed by stop(). One given here belongs to the caller.
   */
  predictions?: PredictionRuntime;
  /** The built browser apps (default dist/web); served only where config.playground/dashboard say. */
  webRoot?: string;
}

export interface ApiServer {
  /** Starts listening on config.port/host; resolves with the bound address (port 0 → a free port). */
  listen(): Promise<AddressInfo>;
  /** Stops accepting requests, lets in-flight ones finish, then stops Apollo. Does not close the database. */
  stop(): Promise<void>;
  readonly httpServer: http.Server;
}

/** Request bodies above this are refused with 413 before any parsing work. */
export const BODY_LIMIT = "1mb";

export async function createServer({ config, database, log, keys, ...deps }: ServerDeps): Promise<ApiServer> {
  const production = config.nodeEnv === "production";
  const predictions =
    deps.predictions ??
    createPredictionRuntime({
      config: config.predictions ?? DEFAULT_PREDICTION_CONFIG,
      ...(config.analyzer ? { analyzer: config.analyzer } : {}),
      db: database.prisma,
      provider: database.provider,
      log,
    });
  // On the queue when REDIS_URL is set (and the queue configured), else in this process.
  const refreshes = await startBatchRefreshes({
    db: database.prisma,
    provider: database.provider,
    runtime: predictions,
    log,
    ...(config.predictions?.redisUrl ? { redisUrl: config.predictions.redisUrl } : {}),
    ...(config.queue ? { queue: config.queue } : {}),
    ...(config.predictions?.refreshCron ? { cron: config.predictions.refreshCron } : {}),
    timeZone: config.predictions?.timeZone ?? DEFAULT_PREDICTION_CONFIG.timeZone,
  });
  const batchRunner = refreshes.runner;
  const { metrics } = predictions;
  watchRefreshes(metrics, {
    db: database.prisma,
    ...(refreshes.queue ? { queue: refreshes.queue } : {}),
    current: (run) => batchRunner.current(run),
  });
  const schema = await buildApiSchema(keys);
  const requestTimeoutMs = config.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const heavyQueries = new HeavyQueryGate({ ...DEFAULT_HEAVY_QUERY_GATE, maxWaitMs: requestTimeoutMs });
  const app = express();
  app.disable("x-powered-by");
  // Express would hash every response body (188 KiB for a page of predictions) for an ETag that no
  // GraphQL POST is ever revalidated with.
  app.disable("etag");
  const httpServer = http.createServer(app);
  // Longer than the idle timeouts of load balancers (AWS ALB: 60 s) and HTTP clients' pools: a
  // server that closes an idle keep-alive connection first races the client's next request on it,
  // which then fails with ECONNRESET. Stopping closes idle connections at once (drain plugin).
  httpServer.keepAliveTimeout = 65_000;
  httpServer.headersTimeout = 66_000;

  const apollo = new ApolloServer<RequestContext>({
    schema,
    introspection: config.graphqlIntrospection,
    // Apollo's own NODE_ENV handling (landing page, stack traces) follows our config, not the process's.
    nodeEnv: config.nodeEnv,
    // The caller owns SIGTERM/SIGINT (see cli/support/serve.ts). Apollo's handler would stop the server
    // too and then re-send the signal, killing the process (exit 1) before the database is closed.
    stopOnTerminationSignals: false,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: false,
    parseOptions: { maxTokens: DEFAULT_QUERY_LIMITS.maxTokens },
    stringifyResult: stringifyWithinLimit(),
    formatError: createErrorFormatter({ production, hideSuggestions: !config.graphqlIntrospection }),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // Nothing sets cache hints; the plugin's per-field work was a fifth of a warm predictions page.
      ApolloServerPluginCacheControlDisabled(),
      // Apollo's landing page loads Apollo Sandbox from a CDN; the bundled GraphiQL replaces it (web/).
      ApolloServerPluginLandingPageDisabled(),
      // First: the limits below walk the variables this one bounds.
      inputBoundaryPlugin(),
      queryLimitsPlugin(schema, DEFAULT_QUERY_LIMITS, heavyQueries),
      availabilityPlugin(),
      requestLoggingPlugin(),
      graphqlMetricsPlugin(metrics),
      // "Did you mean …?" would reveal the schema that disabled introspection hides.
      ...(config.graphqlIntrospection ? [] : [ApolloServerPluginDisableSuggestions()]),
    ],
  });
  await apollo.start();

  app.use(accessLog(log));
  app.get("/healthz", healthz);
  app.get("/readyz", readyz(database.prisma));
  app.get("/metrics", (req, res) => answerScrape(metrics, config.metricsToken, req, res));
  app.use(
    webApps({
      playground: config.playground ?? false,
      dashboard: config.dashboard ?? false,
      ...(deps.webRoot ? { root: deps.webRoot } : {}),
      log,
    }),
  );
  app.use(
    "/graphql",
    express.json({ limit: BODY_LIMIT }),
    requestDeadline(requestTimeoutMs),
    expressMiddleware(apollo, {
      context: async ({ req }) =>
        createContext({ req, database, keys, production, predictions, batchRunner }),
    }),
  );
  app.use(dropLateAnswers, bodyErrorHandler("1 MB"));

  return {
    httpServer,
    listen: () =>
      new Promise((resolve, reject) => {
        httpServer.once("error", reject);
        httpServer.listen(config.port, config.host, () => resolve(httpServer.address() as AddressInfo));
      }),
    async stop() {
      await apollo.stop();
      await refreshes.stop();
      if (!deps.predictions) await predictions.close();
    },
  };
}
