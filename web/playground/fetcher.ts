import { createGraphiQLFetcher, type Fetcher } from "@graphiql/toolkit";
import { AUTHORIZATION_PLACEHOLDER } from "./tabs";

/**
 * GraphiQL's fetcher for this origin's /graphql. The prefilled `Authorization: Bearer <key>` is a
 * hint, not a key: sent as is, the server would refuse it (UNAUTHENTICATED) even where anonymous
 * reads are allowed, so it is left out until someone types a real key.
 */
export function playgroundFetcher(url: string): Fetcher {
  const fetcher = createGraphiQLFetcher({ url });
  return (params, options) => {
    const headers = { ...options?.headers };
    for (const name of Object.keys(headers)) {
      if (name.toLowerCase() === "authorization" && headers[name] === AUTHORIZATION_PLACEHOLDER) {
        delete headers[name];
      }
    }
    return fetcher(params, { ...options, headers });
  };
}
