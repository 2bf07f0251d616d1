// A request that failed because the database is down, hung or locked answers HTTP 503, so load
// balancers, clients and their retry policies see an outage, not a 200 with errors inside.
import type { ApolloServerPlugin } from "@apollo/server";
import { ErrorCode } from "./errors";

export function availabilityPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        // Errors are formatted by now: createErrorFormatter gave the database's ones their code.
        async willSendResponse({ response }) {
          if (response.body.kind !== "single") return;
          const { errors } = response.body.singleResult;
          if (errors?.some((error) => error.extensions?.code === ErrorCode.ServiceUnavailable)) {
            response.http.status = 503;
          }
        },
      };
    },
  };
}
