// The deployment's shape, as processes (`node dist/src/cli/start.js` and `worker.js`) on one real
// PostgreSQL and one real Redis, each test file under its own QUEUE_PREFIX / CACHE_NAMESPACE:
//
//   - 2 API processes + 2 workers refresh 2,000 customers while one worker is killed with SIGKILL in
//     the middle of a chunk: the run completes, every customer has one current prediction set made
//     by this run, and the counts add up;
//   - a purchase recorded on API A is reflected by the next read on API B;
//   - /metrics of an API process and of a worker parse as Prometheus text and move with the work;
//   - REFRESH_CRON with 2 API replicas fires once per tick.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { seedDatabase } from "../../src/datagen/seed";
import { openDatabase } from "../../src/db/client";
import { migrateDatabase } from "../../src/db/migrate";
import { RefreshQueue } from "../../src/predictions/batch/queue/refresh-queue";
import { createPostgresDatabase } from "../support/postgres";
import { parsePrometheus } from "../support/prometheus";
import { redisTestUrl, testNamespace } from "../support/redis";
import { buildServer, listeningUrl, type Service, startService, workerMetricsUrl } from "../support/services";

const KEYS = {
  READ_API_KEYS: `read-${randomBytes(12).toString("hex")}`,
  INGEST_API_KEYS: `ingest-${randomBytes(12).toString("hex")}`,
  ADMIN_API_KEYS: `admin-${randomBytes(12).toString("hex")}`,
};
const METRICS_TOKEN = `metrics-${randomBytes(12).toString("hex")}`;
const TODAY = new Date(new Date().toISOString().slice(0, 10));
const log = pino({ level: "silent" });

const skip = process.env.CAI_TEST_POSTGRES_SKIP ?? process.env.CAI_TEST_REDIS_SKIP;

/** The environment every process of one deployment shares. */
function deploymentEnv(
  databaseUrl: string,
  prefix: string,
  extra: NodeJS.ProcessEnv = {},
): NodeJS.ProcessEnv {
  return {
    NODE_ENV: "production",
    DATABASE_URL: databaseUrl,
    MIGRATE_ON_START: "false",
    REDIS_URL: redisTestUrl(),
    QUEUE_PREFIX: prefix,
    CACHE_NAMESPACE: prefix,
    HOST: "127.0.0.1",
    PORT: "0",
    WORKER_METRICS_PORT: "0",
    // A killed worker's chunk is back on the queue within seconds, not a minute.
    WORKER_LOCK_MS: "4000",
    METRICS_TOKEN,
    TIME_ZONE: "UTC",
    ...KEYS,
    ...extra,
  };
}

/** A migrated PostgreSQL database of its own with `customers` × 60 days of generated purchases. */
async function seededDatabase(customers: number, seed: number) {
  const database = await createPostgresDatabase();
  await migrateDatabase(database.url);
  const db = openDatabase(database.url);
  try {
    await seedDatabase(db.prisma, { customers, days: 60, seed, end: TODAY });
  } finally {
    await db.close();
  }
  return database;
}

async function graphql<T>(
  base: string,
  key: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const response = await fetch(`${base}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (body.errors) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data!;
}

async function scrape(url: string) {
  const response = await fetch(url, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  expect(response.status).toBe(200);
  return parsePrometheus(await response.text());
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface BatchRunFields {
  id: string;
  status: string;
  total: number;
  processed: number;
  failed: number;
  startedAt: string;
  finishedAt: string | null;
}
const RUN_FIELDS = "id status total processed failed startedAt finishedAt";

(skip ? describe.skip : describe)("two API processes and two workers on one database and one Redis", () => {
  const prefix = testNamespace();
  const services: Service[] = [];
  let database: { url: string; drop(): Promise<void> };
  let queue: RefreshQueue;
  let apiA = "";
  let apiB = "";
  let workers: Service[] = [];

  beforeAll(async () => {
    buildServer();
    database = await seededDatabase(2_000, 19);
    queue = new RefreshQueue({ redisUrl: redisTestUrl(), prefix, log });
    const env = deploymentEnv(database.url, prefix);
    const [a, b] = [startService("start", env), startService("start", env)];
    workers = [startService("worker", env), startService("worker", env)];
    services.push(a, b, ...workers);
    [apiA, apiB] = await Promise.all([listeningUrl(a), listeningUrl(b)]);
    await Promise.all(workers.map((worker) => workerMetricsUrl(worker)));
  }, 240_000);

  afterAll(async () => {
    await Promise.all(services.map((service) => service.stop()));
    await queue?.queue.obliterate({ force: true });
    await queue?.close();
    await database?.drop();
  });

  it("completes a refresh of 2,000 customers when a worker is killed mid-chunk: one current set each, counts adding up", async () => {
    const [doomed, survivor] = workers as [Service, Service];
    const { refreshAllPredictions: started } = await graphql<{ refreshAllPredictions: BatchRunFields }>(
      apiA,
      KEYS.ADMIN_API_KEYS,
      `mutation { refreshAllPredictions { ${RUN_FIELDS} } }`,
    );
    expect(started.status).toBe("RUNNING");
    // SIGKILL while the doomed worker holds a chunk: no goodbye, its lock simply stops being renewed.
    await until(
      "a chunk in the doomed worker's hands",
      async () => {
        const active = await queue.queue.getActive();
        return active.find(
          (job) => job.name === "chunk" && job.processedBy?.endsWith(`/${doomed.child.pid}`),
        );
      },
      120_000,
    );
    doomed.child.kill("SIGKILL");
    expect((await doomed.exited).signal).toBe("SIGKILL");

    // Followed on the other API process.
    const run = await until(
      "the run's end",
      async () => {
        const { batchRun } = await graphql<{ batchRun: BatchRunFields }>(
          apiB,
          KEYS.ADMIN_API_KEYS,
          `query Run($id: ID!) { batchRun(id: $id) { ${RUN_FIELDS} } }`,
          { id: started.id },
        );
        return batchRun.status === "RUNNING" ? undefined : batchRun;
      },
      180_000,
    );
    const db = openDatabase(database.url);
    try {
      const withPurchases = (
        await db.prisma.purchase.findMany({ distinct: ["customerId"], select: { customerId: true } })
      ).length;
      expect(run).toMatchObject({
        status: "SUCCEEDED",
        total: withPurchases,
        processed: withPurchases,
        failed: 0,
      });
      // The chunk the killed worker held went back to the queue and was done by the survivor.
      expect(survivor.logs().some((line) => String(line.msg).startsWith("job stalled"))).toBe(true);
      const sets = await db.prisma.prediction.groupBy({
        by: ["customerId"],
        where: { supersededAt: null },
        _min: { generatedAt: true },
        _max: { generatedAt: true },
      });
      expect(sets.length).toBeGreaterThan(withPurchases * 0.9);
      const [from, to] = [new Date(run.startedAt).getTime(), new Date(run.finishedAt!).getTime()];
      for (const set of sets) {
        expect(set._min.generatedAt).toEqual(set._max.generatedAt);
        expect(set._min.generatedAt!.getTime()).toBeGreaterThanOrEqual(from);
        expect(set._min.generatedAt!.getTime()).toBeLessThanOrEqual(to);
      }
    } finally {
      await db.close();
    }
  }, 300_000);

  it("reflects a purchase recorded on API A in the next read on API B", async () => {
    const customerQuery = `query Customer($id: ID!, $category: String) {
      customer(id: $id) { predictions(category: $category) { category lastPurchasedAt usualProducts { sku } } } }`;
    type Read = {
      customer: {
        predictions: Array<{
          category: string;
          lastPurchasedAt: string;
          usualProducts: Array<{ sku: string }>;
        }>;
      };
    };
    const db = openDatabase(database.url);
    const customer = await db.prisma.customer.findFirstOrThrow({
      where: { purchases: { some: {} } },
      orderBy: { id: "asc" },
    });
    await db.close();
    const id = String(customer.id);
    const read = (category?: string) =>
      graphql<Read>(apiB, KEYS.READ_API_KEYS, customerQuery, { id, ...(category ? { category } : {}) });
    const staple = (await read()).customer.predictions.find((p) => p.usualProducts.length)!;
    // Read twice on B: from now on B serves the customer from its caches.
    await read(staple.category);
    const purchasedAt = new Date();
    const today = new Date(purchasedAt.toISOString().slice(0, 10)).toISOString();
    expect(staple.lastPurchasedAt).not.toBe(today);
    await graphql(
      apiA,
      KEYS.INGEST_API_KEYS,
      `mutation Buy($input: RecordPurchaseInput!) { recordPurchase(input: $input) { created } }`,
      {
        input: {
          customerId: id,
          purchasedAt: purchasedAt.toISOString(),
          items: [{ sku: staple.usualProducts[0]!.sku, quantity: 1 }],
        },
      },
    );
    const after = await read(staple.category);
    expect(after.customer.predictions.map((p) => p.lastPurchasedAt)).toEqual([today]);
  });

  it("serves /metrics on API processes and workers as Prometheus text that moves with the work", async () => {
    const survivor = workers[1]!;
    const worker = await scrape(await workerMetricsUrl(survivor));
    expect(worker.value("cai_refresh_chunks_total", { outcome: "completed" })).toBeGreaterThan(0);
    expect(worker.value("cai_refresh_customers_total", { result: "refreshed" })).toBeGreaterThan(0);
    expect(worker.value("cai_analyses_total", { source: "STATISTICAL" })).toBeGreaterThan(0);
    expect(worker.types.get("cai_queue_jobs")).toBe("gauge");
    const health = await fetch((await workerMetricsUrl(survivor)).replace(/\/metrics$/, "/healthz"));
    expect(health.status).toBe(200);
    expect((await fetch(await workerMetricsUrl(survivor))).status).toBe(401);

    const before = await scrape(`${apiB}/metrics`);
    const query = "query MetricsProbe { customers(first: 3) { edges { node { id } } } }";
    await graphql(apiB, KEYS.READ_API_KEYS, query);
    await graphql(apiB, KEYS.READ_API_KEYS, query);
    const after = await scrape(`${apiB}/metrics`);
    const probes = (m: typeof after) =>
      m.value("cai_graphql_request_duration_seconds_count", { operation: "MetricsProbe" });
    expect(probes(after) - probes(before)).toBe(2);
    expect(after.value("cai_queue_jobs", { state: "failed" })).toBe(0);
  });
});

(skip ? describe.skip : describe)("REFRESH_CRON with two API replicas", () => {
  const prefix = testNamespace();
  const services: Service[] = [];
  let database: { url: string; drop(): Promise<void> };
  let queue: RefreshQueue;

  beforeAll(async () => {
    buildServer();
    database = await seededDatabase(30, 23);
    queue = new RefreshQueue({ redisUrl: redisTestUrl(), prefix, log });
  }, 120_000);

  afterAll(async () => {
    await Promise.all(services.map((service) => service.stop()));
    await queue?.queue.obliterate({ force: true });
    await queue?.close();
    await database?.drop();
  });

  it("fires once per tick, whatever the number of replicas", async () => {
    const env = deploymentEnv(database.url, prefix, { REFRESH_CRON: "*/3 * * * * *" });
    const replicas = [startService("start", env), startService("start", env)];
    const worker = startService("worker", env);
    services.push(...replicas, worker);
    await Promise.all([...replicas.map((replica) => listeningUrl(replica)), workerMetricsUrl(worker)]);
    const db = openDatabase(database.url);
    try {
      await until(
        "four scheduled runs",
        async () =>
          (await db.prisma.batchRun.count({ where: { trigger: "cron", status: "succeeded" } })) >= 4
            ? true
            : undefined,
        120_000,
      );
      await Promise.all(replicas.map((replica) => replica.stop()));
      await queue.schedule(undefined, "UTC"); // no more ticks
      await until(
        "the last run's end",
        async () => ((await db.prisma.batchRun.count({ where: { status: "running" } })) ? undefined : true),
        60_000,
      );
      await worker.stop();
      expect(await queue.queue.getJobSchedulersCount()).toBe(0);

      const scheduled = (await queue.queue.getJobs(["completed"])).filter((job) => job.name === "scheduled");
      const ticks = scheduled.map((job) => Number(/(\d+)$/.exec(job.id!)![1]));
      // One job per tick (whose id is the tick's time): no tick twice, every one on the 3-second grid.
      expect(ticks.length).toBeGreaterThanOrEqual(4);
      expect(new Set(ticks).size).toBe(ticks.length);
      expect(ticks.every((tick) => tick % 3_000 === 0)).toBe(true);
      // Each tick started one run, or joined the one still going; never two runs at once.
      const started = scheduled
        .map((job) => job.returnvalue as { runId: number; outcome: string })
        .filter((result) => result.outcome === "new")
        .map((result) => result.runId)
        .sort((a, b) => a - b);
      const runs = await db.prisma.batchRun.findMany({ where: { trigger: "cron" }, orderBy: { id: "asc" } });
      expect(runs.map((run) => run.id)).toEqual(started);
      expect(runs.every((run) => run.status === "succeeded")).toBe(true);
      for (let i = 1; i < runs.length; i++) {
        expect(runs[i]!.startedAt.getTime()).toBeGreaterThanOrEqual(runs[i - 1]!.finishedAt!.getTime());
      }
    } finally {
      await db.close();
    }
  }, 240_000);
});

describe("npm run worker without REDIS_URL", () => {
  it("refuses to start with one line naming REDIS_URL; exit code 1", async () => {
    buildServer();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cai-worker-"));
    try {
      const worker = startService("worker", {
        DATABASE_URL: `file:${path.join(dir, "worker.db")}`,
        MIGRATE_ON_START: "false",
        REDIS_URL: "",
        LOG_LEVEL: "warn",
      });
      expect((await worker.exited).code).toBe(1);
      expect(worker.stderr()).toBe(
        "error: Invalid configuration: REDIS_URL: expected a Redis URL (redis://host:6379): the worker takes its jobs from the queue in Redis\n",
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
