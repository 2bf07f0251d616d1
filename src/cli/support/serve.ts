// Runs the API until SIGTERM/SIGINT, then drains in-flight requests before the command frame
// closes the database. Shared by `npm start` and `npm run demo`. The population priors are loaded
// (or fitted) before the server listens, so no request waits for them.
import { randomBytes } from "node:crypto";
import v8 from "node:v8";
import { KeyRing } from "../../auth/api-keys";
import type { ApiKeys } from "../../config";
import { cacheHeapWarning } from "../../predictions/cache/heap-budget";
import { createPredictionRuntime, type PredictionRuntime } from "../../predictions/runtime";
import { createServer } from "../../server";
import type { CommandContext } from "./command";

export interface ServeOptions {
  /** Printed once at start-up with the URLs (demo: a freshly generated admin key). */
  banner?: (url: string) => string;
  apiKeys?: ApiKeys;
  /**
   * The prediction machinery, already prepared (the demo's, warm from its refresh); the caller closes
   * it. Default: one built from the configuration, its priors loaded or fitted before listening.
   */
  predictions?: PredictionRuntime;
}

export async function serveUntilSignal(ctx: CommandContext, options: ServeOptions = {}) {
  const { config, log, db } = ctx;
  const production = config.nodeEnv === "production";
  const keys = new KeyRing(options.apiKeys ?? config.apiKeys, { anonymousReads: !production });
  if (!production) log.warn("anonymous reads are allowed outside production; writes still need an API key");
  if (!keys.hasKeysFor("ADMIN")) log.warn("no ADMIN_API_KEYS configured: admin operations are refused");
  const heapWarning = cacheHeapWarning(config.predictions, v8.getHeapStatistics().heap_size_limit);
  if (heapWarning) log.warn(heapWarning);

  const predictions = options.predictions ?? (await preparedRuntime(ctx));
  try {
    return await serve({ config, log, db }, keys, predictions, options.banner);
  } finally {
    if (!options.predictions) await predictions.close();
  }
}

/** The prediction machinery a serving command builds from its configuration, on its clock. */
export function commandRuntime({ config, log, db, now }: CommandContext): PredictionRuntime {
  return createPredictionRuntime({
    config: config.predictions,
    analyzer: config.analyzer,
    db: db.prisma,
    provider: db.provider,
    log,
    now,
  });
}

async function preparedRuntime(ctx: CommandContext): Promise<PredictionRuntime> {
  const { log } = ctx;
  const runtime = commandRuntime(ctx);
  try {
    const priors = await runtime.analyzers.prepare();
    log.info(priors, "population priors ready");
    return runtime;
  } catch (error) {
    await runtime.close();
    throw error;
  }
}

async function serve(
  { config, log, db }: Pick<CommandContext, "config" | "log" | "db">,
  keys: KeyRing,
  predictions: PredictionRuntime,
  banner: ServeOptions["banner"],
): Promise<number> {
  const server = await createServer({ config, database: db, log, keys, predictions });
  const address = await server.listen();
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${host === "0.0.0.0" ? "localhost" : host}:${address.port}/graphql`;
  log.info({ url }, "listening");
  if (banner) process.stdout.write(banner(url));

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGTERM", () => resolve("SIGTERM"));
    process.once("SIGINT", () => resolve("SIGINT"));
  });
  log.info({ signal }, "shutting down: draining in-flight requests");
  // A second signal means "now": skip the drain.
  process.once(signal, () => process.exit(1));
  await server.stop();
  return 0;
}

/** A random key for a development session. */
export function generateApiKey(): string {
  return randomBytes(24).toString("base64url");
}
