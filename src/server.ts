// Wires the HTTP server: express (health routes, body limit, request ids and logs) around Apollo
// Server running the type-graphql schema. Everything it needs comes in through ServerDeps.
// Decorated type-graphql classes read metadata as they load: this must come before any of them.
import "reflect-metadata";
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { ApolloServerPluginDisableSuggestions } from "@apollo/server/plugin/disableSuggestions";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { ApolloServerPluginLandingPageLocalDefault } from "@apollo/server/plugin/landingPage/default";
import { expressMiddleware } from "@as-integrations/express5";
import express from "express";
import { pinoHttp } from "pino-http";
import { InvalidApiKeyError, type KeyRing } from "./auth/api-keys";
import type { Config } from "./config";
import type { Database } from "./db/client";
import type { RequestContext } from "./graphql/context";
import { apiError, createErrorFormatter, ErrorCode } from "./graphql/errors";
import { createLoaders } from "./graphql/loaders";
import { DEFAULT_QUERY_LIMITS, queryLimitsPlugin } from "./graphql/query-limits";
import { requestLoggingPlugin } from "./graphql/request-logging";
import { buildApiSchema } from "./graphql/schema";
import { bodyErrorHandler } from "./http/body-errors";
import { healthz, readyz } from "./http/health";
import type { Logger } from "./logger";

export interface ServerDeps {
  config: Pick<Config, "nodeEnv" | "port" | "host" | "graphqlIntrospection">;
  database: Database;
  log: Logger;
  keys: KeyRing;
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

export async function createServer({ config, database, log, keys }: ServerDeps): Promise<ApiServer> {
  const production = config.nodeEnv === "production";
  const schema = await buildApiSchema(keys);
  const app = express();
  app.disable("x-powered-by");
  const httpServer = http.createServer(app);

  const apollo = new ApolloServer<RequestContext>({
    schema,
    introspection: config.graphqlIntrospection,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: false,
    parseOptions: { maxTokens: DEFAULT_QUERY_LIMITS.maxTokens },
    formatError: createErrorFormatter({ production }),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      production
        ? ApolloServerPluginLandingPageDisabled()
        : ApolloServerPluginLandingPageLocalDefault({ embed: true }),
      queryLimitsPlugin(schema),
      requestLoggingPlugin(),
      // "Did you mean …?" would reveal the schema that disabled introspection hides.
      ...(config.graphqlIntrospection ? [] : [ApolloServerPluginDisableSuggestions()]),
    ],
  });
  await apollo.start();

  app.use(
    pinoHttp({
      logger: log,
      genReqId: (req, res) => {
        const incoming = req.headers["x-request-id"];
        const id = typeof incoming === "string" && /^[\w.-]{1,64}$/.test(incoming) ? incoming : randomUUID();
        res.setHeader("x-request-id", id);
        return id;
      },
      // GraphQL requests get their own line from the request-logging plugin.
      autoLogging: {
        ignore: (req) => req.url === "/healthz" || req.url === "/readyz" || req.method === "POST",
      },
      redact: ["req.headers.authorization", "req.headers.cookie"],
    }),
  );
  app.get("/healthz", healthz);
  app.get("/readyz", readyz(database.prisma));
  app.use(
    "/graphql",
    express.json({ limit: BODY_LIMIT }),
    expressMiddleware(apollo, {
      context: async ({ req }): Promise<RequestContext> => {
        let principal: RequestContext["principal"];
        try {
          principal = keys.authenticate(req.headers.authorization);
        } catch (error) {
          if (error instanceof InvalidApiKeyError) {
            throw apiError(ErrorCode.Unauthenticated, `Invalid API key: ${error.message}`, 401);
          }
          throw error;
        }
        if (production && principal.kind === "anonymous") {
          throw apiError(
            ErrorCode.Unauthenticated,
            "An API key is required: send Authorization: Bearer <key>",
            401,
          );
        }
        return {
          db: database.prisma,
          provider: database.provider,
          log: req.log,
          requestId: String(req.id),
          principal,
          loaders: createLoaders(database.prisma),
        };
      },
    }),
  );
  app.use(bodyErrorHandler("1 MB"));

  return {
    httpServer,
    listen: () =>
      new Promise((resolve, reject) => {
        httpServer.once("error", reject);
        httpServer.listen(config.port, config.host, () => resolve(httpServer.address() as AddressInfo));
      }),
    stop: () => apollo.stop(),
  };
}
