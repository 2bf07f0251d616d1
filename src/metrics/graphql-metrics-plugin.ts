// Apollo plugin: each GraphQL request's duration by operation name, and each error sent by its code
// (as the client sees it, after formatting).
import type { ApolloServerPlugin } from "@apollo/server";
import type { ServiceMetrics } from "./service-metrics";

export function graphqlMetricsPlugin(metrics: ServiceMetrics): ApolloServerPlugin {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ operationName, response }) {
          const operation = metrics.operationLabel(operationName);
          metrics.requestSeconds.observe({ operation }, (performance.now() - started) / 1000);
          const errors = response.body.kind === "single" ? response.body.singleResult.errors : undefined;
          for (const error of errors ?? []) {
            metrics.errors.inc({ code: String(error.extensions?.code ?? "INTERNAL_SERVER_ERROR") });
          }
        },
      };
    },
  };
}
