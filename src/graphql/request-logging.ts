// Logs every GraphQL operation once it is answered (name, duration, outcome) and every unexpected
// error with its stack, all through the request's logger so each line carries the request id.
// Variables are not logged: they can hold customers' personal data.
import type { ApolloServerPlugin } from "@apollo/server";
import { unwrapResolverError } from "@apollo/server/errors";
import type { RequestContext } from "./context";
import { isClientError } from "./errors";

/** Request loggers (one per request) whose GraphQL line this plugin has written. */
const logged = new WeakSet<object>();

/** True when the plugin has written the line of the request this logger belongs to. */
export function wasLogged(requestLog: object | undefined): boolean {
  return requestLog !== undefined && logged.has(requestLog);
}

export function requestLoggingPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart({ contextValue }) {
      const started = performance.now();
      let errorCodes: string[] = [];
      return {
        async didEncounterErrors({ errors }) {
          errorCodes = errors.map((error) => String(error.extensions?.code ?? "INTERNAL_SERVER_ERROR"));
          for (const error of errors) {
            if (!isClientError(error)) {
              contextValue.log.error(
                { err: unwrapResolverError(error), path: error.path },
                "unexpected error",
              );
            }
          }
        },
        async willSendResponse({ operationName }) {
          logged.add(contextValue.log);
          contextValue.log.info(
            {
              operation: operationName ?? null,
              principal:
                contextValue.principal.kind === "key" ? contextValue.principal.fingerprint : "anonymous",
              ms: Math.round(performance.now() - started),
              ...(errorCodes.length ? { errors: errorCodes } : {}),
            },
            "graphql",
          );
        },
      };
    },
  };
}
