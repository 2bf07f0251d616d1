// AWS Lambda handler: refreshes the predictions of the customers an event names, e.g. from an
// EventBridge rule after an order import, or a Step Functions map over the day's changed customers.
//
//   event:  { "customerIds": [42, "43", …] }       (1 to 10,000 database ids, numbers or digit strings)
//   result: { "refreshed": [42, 43], "notFound": [], "failed": [], "seconds": 0.41 }
//
// Configuration comes from the environment like every other entry point (DATABASE_URL, REDIS_URL,
// TIME_ZONE, …; see README). The database connection and the prediction runtime are created on the
// first invocation and reused while the container stays warm. Migrations are NOT run here (deploy
// them with `npm run migrate`), and priors come from the database: run `npm run refresh` (or
// refreshAllPredictions) once first, or the first invocation fits them itself. With REDIS_URL set the
// refreshed predictions also replace the API's cached ones. Bad input throws an InputError whose
// message names the offending entry (the invocation fails with it); a chunk of customers that fails
// twice is reported in `failed` instead.
import { loadConfig } from "../config";
import { chunks } from "../db/batching";
import { type Db, openDatabase } from "../db/client";
import { InputError } from "../errors";
import { createLogger, type Logger } from "../logger";
import { refreshWithRetry } from "../predictions/batch/refresh-chunk";
import { createPredictionRuntime, writeOnlyCacheConfig } from "../predictions/runtime";
import type { PredictionService } from "../predictions/serving/prediction-service";

export interface RefreshEvent {
  customerIds: Array<string | number>;
}

export interface RefreshResult {
  /** Customers whose predictions were recomputed and stored (those without purchases get none). */
  refreshed: number[];
  /** Ids with no customer. */
  notFound: number[];
  /** Customers whose refresh failed twice (see the logs). */
  failed: number[];
  seconds: number;
}

export interface HandlerDeps {
  db: Db;
  service: Pick<PredictionService, "refresh">;
  log: Logger;
}

/** Ids one invocation takes at most. */
export const MAX_CUSTOMERS_PER_EVENT = 10_000;
/** Customers per service.refresh call. */
export const LAMBDA_CHUNK_SIZE = 500;

/**
 * A handler over the given dependencies, asked for on each invocation (tests inject theirs; the
 * exported `handler` builds them once per container).
 */
export function createHandler(deps: () => HandlerDeps | Promise<HandlerDeps>) {
  return async (event: RefreshEvent): Promise<RefreshResult> => {
    const started = performance.now();
    const ids = parseEvent(event);
    const { db, service, log } = await deps();
    const existing = new Set<number>();
    for (const part of chunks(ids, 900)) {
      const rows = await db.customer.findMany({ where: { id: { in: part } }, select: { id: true } });
      for (const row of rows) existing.add(row.id);
    }
    const result: RefreshResult = { refreshed: [], notFound: [], failed: [], seconds: 0 };
    result.notFound = ids.filter((id) => !existing.has(id));
    for (const part of chunks(
      ids.filter((id) => existing.has(id)),
      LAMBDA_CHUNK_SIZE,
    )) {
      const outcome = await refreshWithRetry(service, part, log);
      result.refreshed.push(...outcome.refreshed);
      result.failed.push(...outcome.failed);
    }
    result.seconds = (performance.now() - started) / 1000;
    log.info(
      {
        refreshed: result.refreshed.length,
        notFound: result.notFound.length,
        failed: result.failed.length,
        seconds: result.seconds,
      },
      "lambda refresh done",
    );
    return result;
  };
}

/** Validates the event: the distinct ids, in the order given. */
export function parseEvent(event: unknown): number[] {
  const example = 'expected an event like {"customerIds": [42, "43"]}';
  if (typeof event !== "object" || event === null || Array.isArray(event)) {
    throw new InputError(`${example}, got ${describeValue(event)}`);
  }
  const list = (event as { customerIds?: unknown }).customerIds;
  if (!Array.isArray(list)) throw new InputError(`customerIds: ${example}, got ${describeValue(list)}`);
  if (!list.length) throw new InputError("customerIds: expected at least one customer id, got an empty list");
  if (list.length > MAX_CUSTOMERS_PER_EVENT) {
    throw new InputError(
      `customerIds: expected at most ${MAX_CUSTOMERS_PER_EVENT} ids per invocation, got ${list.length}`,
    );
  }
  const ids = list.map((value, i) => {
    const text = typeof value === "number" || typeof value === "string" ? String(value).trim() : "";
    const id = Number(text);
    if (!/^\d{1,10}$/.test(text) || id < 1 || id > MAX_ID) {
      throw new InputError(
        `customerIds[${i}]: expected a customer id (a whole number from 1 to ${MAX_ID}), got ${describeValue(value)}`,
      );
    }
    return id;
  });
  return [...new Set(ids)];
}

/** The production handler: configuration from the environment, one database and runtime per container. */
export const handler = createHandler(sharedDeps);

// ---- private helpers ----

const MAX_ID = 2_147_483_647;

let shared: Promise<HandlerDeps> | undefined;

function sharedDeps(): Promise<HandlerDeps> {
  if (!shared) {
    const creating = (async () => {
      const config = loadConfig();
      const log = createLogger(config);
      // One invocation at a time per container: a small pool is plenty.
      const database = openDatabase(config.databaseUrl, { poolSize: 2, timeouts: config.databaseTimeouts });
      const runtime = createPredictionRuntime({
        config: writeOnlyCacheConfig(config.predictions),
        analyzer: config.analyzer,
        db: database.prisma,
        provider: database.provider,
        log,
      });
      return { db: database.prisma, service: runtime.service, log };
    })();
    // A failed start (bad configuration) is not remembered: the next invocation tries again.
    creating.catch(() => {
      if (shared === creating) shared = undefined;
    });
    shared = creating;
  }
  return shared;
}

function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
