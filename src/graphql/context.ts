import type { Principal } from "../auth/api-keys";
import type { DatabaseProvider } from "../config";
import type { Db } from "../db/client";
import type { Logger } from "../logger";
import type { Loaders } from "./loaders";

/** What every resolver receives, built fresh for each request. */
export interface RequestContext {
  db: Db;
  provider: DatabaseProvider;
  /** The request's logger (carries its request id). */
  log: Logger;
  requestId: string;
  principal: Principal;
  /** Per-request DataLoaders: batch and cache within this request only. */
  loaders: Loaders;
}
