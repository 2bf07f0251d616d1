import type express from "express";
import { InvalidApiKeyError, type KeyRing, type Principal } from "../auth/api-keys";
import type { Now } from "../clock";
import type { DatabaseProvider } from "../config";
import type { Database, Db } from "../db/client";
import type { Logger } from "../logger";
import type { RefreshRunner } from "../predictions/batch/refresh-runner";
import type { PredictionRuntime } from "../predictions/runtime";
import { apiError, ErrorCode } from "./errors";
import { createLoaders, type Loaders } from "./loaders";

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
  /** The process's prediction machinery (cache, analyzer, service), shared by all requests. */
  predictions: PredictionRuntime;
  /** The process's background batch refreshes (refreshAllPredictions). */
  batchRunner: RefreshRunner;
  /** The service's clock ("today" for predictions, customersDue and recordPurchase; src/clock.ts). */
  now: Now;
}

/**
 * Builds a request's context: who is calling (401 UNAUTHENTICATED for a wrong key, or for no key in
 * production) and fresh DataLoaders.
 */
export function createContext({
  req,
  database,
  keys,
  production,
  predictions,
  batchRunner,
}: {
  req: express.Request;
  database: Database;
  keys: KeyRing;
  production: boolean;
  predictions: PredictionRuntime;
  batchRunner: RefreshRunner;
}): RequestContext {
  let principal: Principal;
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
    loaders: createLoaders(database.prisma, predictions.service),
    predictions,
    batchRunner,
    now: predictions.now,
  };
}
