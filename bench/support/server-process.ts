// The API server alone in a process of its own, for the bench's memory phase (bench/phases/rss.ts):
// forked by the bench, it starts this project's server the way startApiServer does (production
// settings, a random READ key, a random cache namespace, CACHE_NEAR_* from the environment) on the
// database BENCH_DATABASE_URL names, with Redis when REDIS_URL is set. Its RSS then holds the server
// and nothing else: not the bench, the seeded data it keeps, or autocannon's worker thread.
//
// Messages over the IPC channel:
//   child → parent  { type: "ready", url, headers }    once listening
//                   { type: "failed", message }        when it could not start (then it exits)
//                   { type: "memory", id, rss, heapUsed }   answers "memory" (MiB)
//                   { type: "stopped" }                after "stop", just before it exits
//   parent → child  { type: "memory", id, gc }         gc: two full collections first (it runs with --expose-gc)
//                   { type: "stop", customerIds }      stops serving and removes those customers'
//                                                      cached predictions from a shared Redis
// A lost parent (the IPC channel closes) also stops it.
import pino from "pino";
import { cleanupStack, predictionKeys, type StartedApiServer, startApiServer } from "./serving-harness";
import { MiB } from "./stats";

export type ParentMessage =
  | { type: "memory"; id: number; gc: boolean }
  | { type: "stop"; customerIds: number[] };

export type ChildMessage =
  | { type: "ready"; url: string; headers: Record<string, string> }
  | { type: "failed"; message: string }
  | { type: "memory"; id: number; rss: number; heapUsed: number }
  | { type: "stopped" };

function send(message: ChildMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const databaseUrl = process.env.BENCH_DATABASE_URL;
  if (!process.send) throw new Error("server-process is forked by the bench (it needs an IPC channel)");
  if (!databaseUrl) throw new Error("BENCH_DATABASE_URL is not set");
  const progress = (message: string) => process.stderr.write(`[bench:server-process] ${message}\n`);
  const cleanups = cleanupStack(progress);
  const log = pino({ level: process.env.LOG_LEVEL || "warn" }, pino.destination(2));
  let api: StartedApiServer;
  try {
    api = await startApiServer({
      databaseUrl,
      log,
      cleanups,
      ...(process.env.REDIS_URL ? { redisUrl: process.env.REDIS_URL } : {}),
      cacheNamespacePrefix: "cai-bench-child-",
    });
  } catch (error) {
    await cleanups.run();
    throw error;
  }
  let stopping = false;
  const stop = async (customerIds: readonly number[]) => {
    if (stopping) return;
    stopping = true;
    await api.stop();
    // Redis outlives this process: leave none of its entries behind.
    const keys = predictionKeys(api.analyzer, customerIds);
    for (let i = 0; i < keys.length; i += 500) await api.runtime.cache.deleteMany(keys.slice(i, i + 500));
    await cleanups.run();
  };
  process.on("message", (message: ParentMessage) => {
    if (message.type === "memory") {
      const gc = (globalThis as { gc?: () => void }).gc;
      if (message.gc && gc) {
        gc();
        gc(); // the second one frees what the first one's finalizers released
      }
      const usage = process.memoryUsage();
      send({
        type: "memory",
        id: message.id,
        rss: usage.rss / MiB,
        heapUsed: usage.heapUsed / MiB,
      });
    } else if (message.type === "stop") {
      void stop(message.customerIds).then(
        () => {
          send({ type: "stopped" });
          process.disconnect();
        },
        (error: unknown) => {
          progress(`stop: ${error instanceof Error ? error.message : String(error)}`);
          process.exit(1);
        },
      );
    }
  });
  process.on("disconnect", () => {
    void stop([]).finally(() => process.exit(0));
  });
  send({ type: "ready", url: api.url, headers: api.headers });
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  send({ type: "failed", message });
  process.stderr.write(`[bench:server-process] ${message}\n`);
  process.exit(1);
});
