// npm run worker — takes batch-refresh jobs from the refresh queue in Redis (REDIS_URL, QUEUE_PREFIX)
// until SIGTERM/SIGINT: the runs' priors and dispatch, their chunks of customers, and the scheduled
// runs of REFRESH_CRON. Any number of workers on any number of machines share the work;
// WORKER_CONCURRENCY jobs at once in each. Serves GET /metrics and /healthz on WORKER_METRICS_PORT
// (0: a free port, logged). On a signal it finishes the jobs in hand and exits 0.
import os from "node:os";
import { ConfigError } from "../config";
import { startMetricsServer } from "../metrics/metrics-server";
import { watchRefreshes } from "../metrics/refresh-gauges";
import { currentQueuedRun } from "../predictions/batch/queue/queued-runner";
import { checkEvictionPolicy } from "../predictions/batch/queue/redis-policy";
import { RefreshQueue } from "../predictions/batch/queue/refresh-queue";
import { startRefreshWorker } from "../predictions/batch/queue/refresh-worker";
import { createPredictionRuntime, writeOnlyCacheConfig } from "../predictions/runtime";
import { type CommandContext, parseCommandArgs, runCommand } from "./support/command";

export const WORKER_USAGE = "npm run worker";

/** The longest a worker's Bedrock call waits for the allowance; past it, that customer gets statistics. */
export const WORKER_BEDROCK_RATE_WAIT_MS = 5 * 60_000;

/** The command's body: works until a signal, then closes everything it opened. */
export async function workUntilSignal({ config, log, db, now }: CommandContext): Promise<number> {
  const { redisUrl } = config.predictions;
  if (!redisUrl) {
    throw new ConfigError(
      "Invalid configuration: REDIS_URL: expected a Redis URL (redis://host:6379): the worker takes its jobs from the queue in Redis",
    );
  }
  // Workers write predictions that the API replicas read from Redis: no near cache of their own.
  const runtime = createPredictionRuntime({
    config: writeOnlyCacheConfig(config.predictions),
    analyzer: config.analyzer,
    db: db.prisma,
    provider: db.provider,
    log,
    now,
    // A chunk's Bedrock calls wait their turn under BEDROCK_CALLS_PER_MINUTE rather than fall back.
    bedrockRateWaitMs: WORKER_BEDROCK_RATE_WAIT_MS,
  });
  const queue = new RefreshQueue({ redisUrl, prefix: config.queue.prefix, log });
  try {
    await checkEvictionPolicy(queue, log);
    const worker = startRefreshWorker(
      { db: db.prisma, provider: db.provider, log, runtime, queue },
      {
        name: `${os.hostname()}/${process.pid}`,
        redisUrl,
        prefix: config.queue.prefix,
        concurrency: config.queue.workerConcurrency,
        lockMs: config.queue.workerLockMs,
        metrics: runtime.metrics,
      },
    );
    await worker.waitUntilReady();
    watchRefreshes(runtime.metrics, { db: db.prisma, queue, current: (run) => currentQueuedRun(queue, run) });
    const metricsServer = await startMetricsServer({
      port: config.queue.workerMetricsPort,
      host: config.host,
      metrics: runtime.metrics,
      ...(config.metricsToken ? { token: config.metricsToken } : {}),
      healthy: () => worker.isRunning() && !worker.closing,
    });
    const { address, port } = metricsServer.address;
    const host = address.includes(":") ? `[${address}]` : address;
    log.info(
      {
        prefix: config.queue.prefix,
        concurrency: config.queue.workerConcurrency,
        metrics: `http://${host === "0.0.0.0" ? "localhost" : host}:${port}/metrics`,
      },
      "worker ready",
    );
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once("SIGTERM", () => resolve("SIGTERM"));
      process.once("SIGINT", () => resolve("SIGINT"));
    });
    log.info({ signal }, "worker stopping: finishing the jobs in hand");
    // A second signal means "now": the jobs in hand go back to the queue when their locks expire.
    process.once(signal, () => process.exit(1));
    await worker.close();
    await metricsServer.close();
    return 0;
  } finally {
    await queue.close();
    await runtime.close();
  }
}

if (require.main === module) {
  runCommand({
    usage: WORKER_USAGE,
    parse: (argv) => parseCommandArgs({}, argv),
    run: (ctx) => workUntilSignal(ctx),
  });
}
