// npm run bench:workers [-- --workers N --rounds R --concurrency C[,C…]] — the refresh on the queue
// with 1 and with N worker processes (`npm run worker`, its node flags), on the database DATABASE_URL
// names (PostgreSQL, seeded: `npm run seed -- --customers 10000 --days 365`) and the Redis REDIS_URL
// names, under a queue prefix of its own.
//
// For each WORKER_CONCURRENCY (default: 1, then 2, the default of `npm run worker`), each round
// refreshes every customer once per layout, alternating 1 and N workers, after one untimed warm-up
// run (so every run is a daily run: it supersedes a current set per customer). Both settings are
// measured because they answer different questions: with 1, a worker works one chunk at a time and
// the speed-up is what adding a worker process adds; with 2, one worker already overlaps two chunks
// and fills most of a small machine by itself. The
// priors are the stored ones (fitted once if missing): the time counted is from the flow being on
// the queue to the run's end, the workers' part.
//
// For each run it reports customers/s, each worker's peak RSS (the kernel's high-water mark), and
// where the CPU went: the workers' own CPU seconds and the PostgreSQL backends' serving this
// database (/proc/<pid>/stat), per 1,000 customers, with the load average. The speed-up goal of issue
// 19 is 2 workers ≥ 1.4 × one on this 2-core machine, where the database shares the cores.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Redis from "ioredis";
import pino from "pino";
import { intOption, parseCommandArgs } from "../src/cli/support/command";
import { loadConfig } from "../src/config";
import { type Database, openDatabase } from "../src/db/client";
import { startQueuedRun } from "../src/predictions/batch/queue/queued-runner";
import { RefreshQueue } from "../src/predictions/batch/queue/refresh-queue";
import { fitAndStorePriors, latestPriors } from "../src/predictions/store/priors-store";
import { projectRoot } from "../src/project-root";
import { nodeFlagsOfScript } from "./support/npm-script";
import { median } from "./support/stats";

interface RunResult {
  workers: number;
  seconds: number;
  customers: number;
  customersPerSecond: number;
  failed: number;
  peakRssMiB: number[];
  workerCpuSeconds: number;
  postgresCpuSeconds: number;
  /** The Redis server's CPU (queue and the cache writes), when it runs on this machine. */
  redisCpuSeconds: number;
  loadAverage: number;
}

const log = pino({ level: "warn" });

async function main(): Promise<void> {
  const { values } = parseCommandArgs({
    workers: { type: "string" },
    rounds: { type: "string" },
    concurrency: { type: "string" },
  });
  const workers = intOption("--workers", values.workers, { min: 2, max: 16, fallback: 2 });
  const rounds = intOption("--rounds", values.rounds, { min: 1, max: 10, fallback: 2 });
  const concurrencies = (values.concurrency ?? "1,2")
    .split(",")
    .map((value) => intOption("--concurrency", value, { min: 1, max: 16 }));
  const config = loadConfig();
  const redisUrl = config.predictions.redisUrl;
  if (config.databaseProvider !== "postgresql" || !redisUrl) {
    throw new Error("bench:workers needs DATABASE_URL=postgresql://… (seeded) and REDIS_URL=redis://…");
  }
  const prefix = `bench-${randomBytes(4).toString("hex")}`;
  const database = openDatabase(config.databaseUrl);
  const queue = new RefreshQueue({ redisUrl, prefix, log });
  try {
    if (!(await latestPriors(database.prisma))) {
      console.log("no stored priors: fitting them once (not timed)");
      await fitAndStorePriors(database.prisma, "postgresql", { timeZone: config.predictions.timeZone });
    }
    const customers = await database.prisma.customer.count();
    const deps = { database, queue, timeZone: config.predictions.timeZone };
    const speedUps: string[] = [];
    let failed = false;
    for (const concurrency of concurrencies) {
      const env = {
        ...process.env,
        QUEUE_PREFIX: prefix,
        CACHE_NAMESPACE: prefix,
        WORKER_METRICS_PORT: "0",
        WORKER_CONCURRENCY: String(concurrency),
        LOG_LEVEL: process.env.LOG_LEVEL || "warn",
      };
      console.log(
        `${customers} customers on PostgreSQL; warm-up, then ${rounds} round(s) of 1 vs ${workers} workers ` +
          `(WORKER_CONCURRENCY=${concurrency}), ${os.cpus().length} cores`,
      );
      await refreshWith(workers, { ...deps, env });
      const results: RunResult[] = [];
      for (let round = 1; round <= rounds; round++) {
        for (const n of [1, workers]) {
          const result = await refreshWith(n, { ...deps, env });
          results.push(result);
          console.log(`round ${round}: ${describe(result)}`);
        }
      }
      const rate = (n: number) =>
        median(results.filter((r) => r.workers === n).map((r) => r.customersPerSecond));
      const speedUp = `× ${(rate(workers) / rate(1)).toFixed(2)}`;
      console.log(
        `median: 1 worker ${Math.round(rate(1))} customers/s, ${workers} workers ${Math.round(rate(workers))} ` +
          `customers/s (${speedUp})`,
      );
      speedUps.push(`WORKER_CONCURRENCY=${concurrency}: ${speedUp}`);
      failed ||= results.some((r) => r.failed > 0);
    }
    console.log(`speed-up of ${workers} workers over 1 (medians): ${speedUps.join(", ")}`);
    console.log(await storageFootprint(database, redisUrl, prefix, customers));
    if (failed) process.exitCode = 1;
  } finally {
    await queue.close();
    await removeKeys(redisUrl, prefix);
    await database.close();
  }
}

/** What the refreshed data weighs: the Prediction table per current row, a cached customer in Redis. */
async function storageFootprint(database: Database, redisUrl: string, prefix: string, customers: number) {
  const [table] = await database.prisma.$queryRaw<Array<{ bytes: bigint; rows: bigint; current: bigint }>>`
    SELECT pg_total_relation_size('"Prediction"') AS bytes, COUNT(*) AS rows,
           COUNT(*) FILTER (WHERE "supersededAt" IS NULL) AS current FROM "Prediction"`;
  const redis = new Redis(redisUrl);
  try {
    const sample: string[] = [];
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*:predictions:*`, "COUNT", 1_000);
      sample.push(...keys.slice(0, 50 - sample.length));
      cursor = next;
    } while (cursor !== "0" && sample.length < 50);
    const sizes = await Promise.all(sample.map((key) => redis.memory("USAGE", key)));
    const mean = sizes.reduce<number>((sum, size) => sum + Number(size ?? 0), 0) / Math.max(1, sample.length);
    const rows = Number(table!.rows);
    return (
      `storage: Prediction table ${(Number(table!.bytes) / 2 ** 20).toFixed(0)} MiB for ${rows} rows ` +
      `(${Math.round(Number(table!.bytes) / rows)} bytes a row with its indexes; ${Number(table!.current)} current, ` +
      `${(Number(table!.current) / customers).toFixed(1)} a customer); Redis ${Math.round(mean)} bytes a cached customer`
    );
  } finally {
    redis.disconnect();
  }
}

/** Every key of this bench's prefix: queue, cache and call-rate keys alike. */
async function removeKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1_000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}

function describe(r: RunResult): string {
  const perThousand = (seconds: number) => ((seconds / r.customers) * 1_000).toFixed(2);
  return (
    `${r.workers} worker(s): ${r.seconds.toFixed(1)} s, ${Math.round(r.customersPerSecond)} customers/s, ` +
    `${r.failed} failed; peak RSS ${r.peakRssMiB.map((m) => Math.round(m)).join(" + ")} MiB; CPU per 1,000 ` +
    `customers: workers ${perThousand(r.workerCpuSeconds)} s, PostgreSQL ${perThousand(r.postgresCpuSeconds)} s, ` +
    `Redis ${perThousand(r.redisCpuSeconds)} s; ` +
    `load average ${r.loadAverage.toFixed(1)}`
  );
}

/** Starts n workers, runs one refresh on the queue with them, stops them. */
async function refreshWith(
  n: number,
  deps: { database: Database; queue: RefreshQueue; env: NodeJS.ProcessEnv; timeZone: string },
): Promise<RunResult> {
  const { database, queue } = deps;
  const rssFiles = Array.from({ length: n }, (_, i) =>
    path.join(os.tmpdir(), `bench-worker-${process.pid}-${i}.rss`),
  );
  const children = rssFiles.map((file) =>
    spawn(
      process.execPath,
      [
        ...nodeFlagsOfScript("worker"),
        "--require",
        path.join(projectRoot(), "dist", "bench", "support", "peak-rss.js"),
        path.join("dist", "src", "cli", "worker.js"),
      ],
      {
        cwd: projectRoot(),
        env: { ...deps.env, BENCH_PEAK_RSS_FILE: file },
        stdio: ["ignore", "inherit", "inherit"],
      },
    ),
  );
  try {
    while ((await queue.workers()) < n) await new Promise((resolve) => setTimeout(resolve, 100));
    const { claim, ready } = await startQueuedRun(
      { db: database.prisma, provider: "postgresql", log, queue, timeZone: deps.timeZone },
      "cli",
      { fitPriors: false },
    );
    await ready;
    // CPU counted from here: the workers' start-up and the run's preparation are not the refresh.
    const workersBefore = children.map((child) => cpuSecondsOf(child.pid!));
    const backendsBefore = await backendCpu(database);
    const redisBefore = redisServerCpuSeconds();
    const started = performance.now();
    for (;;) {
      const run = await database.prisma.batchRun.findUniqueOrThrow({ where: { id: claim.run.id } });
      if (run.status !== "running") {
        const seconds = (performance.now() - started) / 1000;
        // Read before the workers exit: their backends close with them.
        const backendsAfter = await backendCpu(database);
        const postgresCpuSeconds = [...backendsAfter].reduce(
          (sum, [pid, cpu]) => sum + cpu - (backendsBefore.get(pid) ?? 0),
          0,
        );
        const workerCpuSeconds = children.reduce(
          (sum, child, i) => sum + cpuSecondsOf(child.pid!) - workersBefore[i]!,
          0,
        );
        const redisCpuSeconds = redisServerCpuSeconds() - redisBefore;
        const loadAverage = os.loadavg()[0]!;
        await stop(children);
        return {
          workers: n,
          seconds,
          customers: run.processed,
          customersPerSecond: run.processed / seconds,
          failed: run.failed,
          peakRssMiB: rssFiles.map((file) => Number(fs.readFileSync(file, "utf8")) / 1024),
          workerCpuSeconds,
          postgresCpuSeconds,
          redisCpuSeconds,
          loadAverage,
        };
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await stop(children);
    for (const file of rssFiles) fs.rmSync(file, { force: true });
  }
}

async function stop(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once("exit", () => resolve());
          child.kill("SIGTERM");
        }),
    ),
  );
}

/** user + system CPU seconds of a process so far (Linux /proc; clock ticks of 1/100 s). */
function cpuSecondsOf(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** CPU seconds so far of the redis-server processes of this machine (0 when Redis runs elsewhere). */
function redisServerCpuSeconds(): number {
  let total = 0;
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/comm`, "utf8").trim() === "redis-server")
        total += cpuSecondsOf(Number(entry));
    } catch {
      // The process ended meanwhile.
    }
  }
  return total;
}

/**
 * CPU seconds so far of each PostgreSQL backend connected to this database: the workers' connections
 * and this bench's own (which only polls one row). Background processes (WAL writer, checkpointer)
 * are not counted.
 */
async function backendCpu(database: Database): Promise<Map<number, number>> {
  const rows = await database.prisma.$queryRaw<Array<{ pid: number }>>`
    SELECT pid FROM pg_stat_activity WHERE datname = current_database()`;
  return new Map(rows.map((row) => [Number(row.pid), cpuSecondsOf(Number(row.pid))]));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
