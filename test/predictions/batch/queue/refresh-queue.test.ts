// The batch refresh on the queue (BullMQ on a real Redis, a queue prefix of its own per test file),
// with two workers in this process standing in for two worker processes: a run is a flow whose counts
// add up and whose end is written to its row; a chunk that keeps failing is failed for good and the
// run ends PARTIAL; a chunk delivered twice leaves one current prediction set; a start while the flow
// (or the prepare job of an API server's run) is pending joins it; a prepare job delivered twice adds
// no second flow; Bedrock calls through the queue keep to BEDROCK_CALLS_PER_MINUTE.
import { Job, type Worker } from "bullmq";
import pino from "pino";
import { type AnalyzerConfig, DEFAULT_PREDICTION_CONFIG } from "../../../../src/config";
import { seedDatabase } from "../../../../src/datagen/seed";
import {
  type BatchRunTrigger,
  type Claim,
  HEARTBEAT_STALE_MS,
} from "../../../../src/predictions/batch/batch-run-ledger";
import { processChunkJob } from "../../../../src/predictions/batch/queue/chunk-job";
import { processPrepareJob } from "../../../../src/predictions/batch/queue/prepare-job";
import type { QueueJobDeps } from "../../../../src/predictions/batch/queue/queue-jobs";
import {
  QueuedBatchRunner,
  type QueuedRunOptions,
  startQueuedRun,
} from "../../../../src/predictions/batch/queue/queued-runner";
import {
  type ChunkJobData,
  type PrepareJobData,
  prepareJobId,
  RefreshQueue,
} from "../../../../src/predictions/batch/queue/refresh-queue";
import { startRefreshWorker } from "../../../../src/predictions/batch/queue/refresh-worker";
import { watchQueuedRun } from "../../../../src/predictions/batch/queue/run-watch";
import { createPredictionRuntime, type PredictionRuntime } from "../../../../src/predictions/runtime";
import type { PredictionService } from "../../../../src/predictions/serving/prediction-service";
import { describeEachDatabase, type TestDatabase } from "../../../support/databases";
import { fakeBedrockSettings, startFakeBedrock } from "../../../support/fake-bedrock";
import { redisTestUrl, testNamespace } from "../../../support/redis";

process.env.AWS_ACCESS_KEY_ID = "AKIDTESTFAKEBEDROCK";
process.env.AWS_SECRET_ACCESS_KEY = "fake-secret-for-tests";

const SEED = { customers: 30, days: 120, seed: 21, end: new Date(new Date().toISOString().slice(0, 10)) };
const log = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
const CHUNK = 4;

// Skipped only when Redis is unreachable outside CI: test/support/global-setup.ts prints why, and
// under CI=true it fails instead.
const describeWithRedis = process.env.CAI_TEST_REDIS_SKIP
  ? (title: string, _body: (handle: TestDatabase) => void) =>
      describe.skip(title, () => it("skipped", () => {}))
  : describeEachDatabase;

describeWithRedis("batch refresh on the queue", (handle) => {
  const prefix = testNamespace();
  let queue: RefreshQueue;
  let withPurchases: number[] = [];
  const opened: Array<{ close(): Promise<void> }> = [];

  /** A worker "process": its own prediction runtime, optionally with its service wrapped. */
  function startWorker(
    options: {
      wrap?: (service: PredictionService) => Pick<PredictionService, "refresh">;
      analyzer?: AnalyzerConfig;
    } = {},
  ): Worker {
    const runtime: PredictionRuntime = createPredictionRuntime({
      config: {
        ...DEFAULT_PREDICTION_CONFIG,
        redisUrl: redisTestUrl(),
        cacheNamespace: prefix,
        cacheNearMaxEntries: 0,
      },
      db: handle.database.prisma,
      provider: handle.provider,
      log,
      ...(options.analyzer ? { analyzer: options.analyzer } : {}),
    });
    const deps: QueueJobDeps = {
      db: handle.database.prisma,
      provider: handle.provider,
      log,
      runtime: options.wrap ? { ...runtime, service: options.wrap(runtime.service) } : runtime,
      queue,
    };
    const worker = startRefreshWorker(deps, {
      redisUrl: redisTestUrl(),
      prefix,
      concurrency: 2,
      lockMs: 30_000,
    });
    opened.push({
      async close() {
        await worker.close();
        await runtime.close();
      },
    });
    return worker;
  }

  async function stopWorkers(): Promise<void> {
    for (const worker of opened.splice(0)) await worker.close();
  }

  /** A job processor's deps with a runtime of their own, closed after `body`. */
  async function withJobDeps<T>(body: (deps: QueueJobDeps) => Promise<T>): Promise<T> {
    const db = handle.database.prisma;
    const runtime = createPredictionRuntime({
      config: DEFAULT_PREDICTION_CONFIG,
      db,
      provider: handle.provider,
      log,
    });
    try {
      return await body({ db, provider: handle.provider, log, runtime, queue });
    } finally {
      await runtime.close();
    }
  }

  const deps = () => ({ db: handle.database.prisma, provider: handle.provider, log, queue, timeZone: "UTC" });
  /** Starts a run on the queue and waits until its flow is there. */
  const start = async (trigger: BatchRunTrigger, options: QueuedRunOptions = {}): Promise<Claim> => {
    const { claim, ready } = await startQueuedRun(deps(), trigger, options);
    await ready;
    return claim;
  };

  beforeAll(async () => {
    const db = handle.database.prisma;
    await seedDatabase(db, SEED);
    const rows = await db.purchase.findMany({ distinct: ["customerId"], select: { customerId: true } });
    withPurchases = rows.map((r) => r.customerId).sort((a, b) => a - b);
    queue = new RefreshQueue({ redisUrl: redisTestUrl(), prefix, log, chunkBackoffMs: 50 });
  }, 120_000);
  afterEach(() => stopWorkers());
  afterAll(async () => {
    await queue?.queue.obliterate({ force: true });
    await queue?.close();
  });

  it("runs as a flow over two workers: every customer refreshed once by the run, counts adding up", async () => {
    const db = handle.database.prisma;
    startWorker();
    startWorker();
    const claim = await start("api", { chunkSize: CHUNK });
    expect(claim.outcome).toBe("new");
    const seen: number[] = [];
    const { run } = await watchQueuedRun({ db, queue }, claim.run.id, {
      pollMs: 50,
      onProgress: (p) => {
        if (p.phase === "customers") seen.push(p.processed);
      },
    });
    expect(run).toMatchObject({
      status: "succeeded",
      trigger: "api",
      total: withPurchases.length,
      processed: withPurchases.length,
      failed: 0,
      error: null,
    });
    expect(seen[seen.length - 1]).toBe(withPurchases.length);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    // Exactly one current set per customer, made by this run with its priors.
    const current = await db.prediction.groupBy({
      by: ["customerId"],
      where: { supersededAt: null },
      _min: { generatedAt: true },
      _max: { generatedAt: true },
    });
    for (const customer of current) {
      expect(customer._min.generatedAt).toEqual(customer._max.generatedAt);
      expect(customer._min.generatedAt!.getTime()).toBeGreaterThanOrEqual(run.startedAt.getTime());
      expect(customer._min.generatedAt!.getTime()).toBeLessThanOrEqual(run.finishedAt!.getTime());
    }
    const model = await db.prediction.findFirstOrThrow({
      where: { supersededAt: null, category: { not: "" } },
    });
    expect(model.model).toContain(`/priors:${run.priorsFingerprint}/`);
  });

  it("fails a chunk that keeps failing for good, with its reason, and ends the run PARTIAL", async () => {
    const victim = withPurchases[5]!;
    let attempts = 0;
    startWorker({
      wrap: (service) => ({
        async refresh(ids: readonly number[]) {
          if (ids.includes(victim)) {
            attempts++;
            throw new Error("injected chunk failure");
          }
          return service.refresh(ids);
        },
      }),
    });
    const claim = await start("cli", { chunkSize: CHUNK, fitPriors: false });
    const { run } = await watchQueuedRun({ db: handle.database.prisma, queue }, claim.run.id, { pollMs: 50 });
    expect(run).toMatchObject({ status: "partial", processed: withPurchases.length, failed: CHUNK });
    expect(run.error).toMatch(/^chunk of customers \d+ < id ≤ \d+ failed: injected chunk failure$/);
    // 4 job attempts, each trying the chunk's customers twice.
    expect(attempts).toBe(8);
  });

  it("joins a run whose flow is pending, whatever its heartbeat, instead of starting a second", async () => {
    const db = handle.database.prisma;
    // No worker yet: the flow waits.
    const first = await start("api", { chunkSize: CHUNK, fitPriors: false });
    await db.batchRun.update({
      where: { id: first.run.id },
      data: { heartbeatAt: new Date(Date.now() - HEARTBEAT_STALE_MS - 1_000) },
    });
    const second = await start("cron");
    expect(second).toMatchObject({ outcome: "joined", run: { id: first.run.id } });
    expect(await db.batchRun.count({ where: { status: "running" } })).toBe(1);
    startWorker();
    const { run } = await watchQueuedRun({ db, queue }, first.run.id, { pollMs: 50 });
    expect(run.status).toBe("succeeded");
  });

  it("leaves an API server's run to a worker to prepare; until one takes it, a start joins the waiting run", async () => {
    const db = handle.database.prisma;
    const logged: string[] = [];
    const warnings = pino({ level: "warn" }, { write: (line: string) => logged.push(line) });
    const runner = new QueuedBatchRunner({ ...deps(), log: warnings });
    const claimed = await runner.start("api", { chunkSize: CHUNK });
    await runner.stop(); // waits until the claimed run is on the queue
    expect(logged.join("")).toContain("no worker is connected to the refresh queue");
    // Claimed, not prepared: no priors pinned, no flow yet, its prepare job waiting for a worker.
    expect(await db.batchRun.findUniqueOrThrow({ where: { id: claimed.id } })).toMatchObject({
      status: "running",
      priorsFingerprint: null,
    });
    expect(await queue.runJob(claimed)).toBeUndefined();
    expect(await (await Job.fromId(queue.queue, prepareJobId(claimed)))?.getState()).toBe("waiting");
    await db.batchRun.update({
      where: { id: claimed.id },
      data: { heartbeatAt: new Date(Date.now() - HEARTBEAT_STALE_MS - 1_000) },
    });
    expect(await start("cron")).toMatchObject({ outcome: "joined", run: { id: claimed.id } });
    startWorker();
    const { run } = await watchQueuedRun({ db, queue }, claimed.id, { pollMs: 50 });
    expect(run).toMatchObject({
      status: "succeeded",
      trigger: "api",
      processed: withPurchases.length,
      failed: 0,
    });
    expect(run.priorsFingerprint).toMatch(/\S/);
  });

  it("stands a prepare job down when its run's flow is on the queue already (a second delivery)", async () => {
    const db = handle.database.prisma;
    const claim = await start("cli", { chunkSize: CHUNK, fitPriors: false });
    const data: PrepareJobData = { runId: claim.run.id, resumes: claim.run.resumes, chunkSize: CHUNK };
    const again = await withJobDeps((jobDeps) =>
      processPrepareJob(jobDeps, { id: "again", data } as Job<PrepareJobData>),
    );
    expect(again).toEqual({ runId: claim.run.id, stoodDown: "its flow is on the queue already" });
    startWorker();
    const { run } = await watchQueuedRun({ db, queue }, claim.run.id, { pollMs: 50 });
    // One flow: every customer counted once.
    expect(run).toMatchObject({ status: "succeeded", processed: withPurchases.length, failed: 0 });
  });

  it("leaves one current set per customer when a chunk is delivered twice at once", async () => {
    const db = handle.database.prisma;
    await withJobDeps(async (jobDeps) => {
      const fingerprint = (await db.populationPriors.findFirstOrThrow()).fingerprint;
      const run = await db.batchRun.create({
        data: { status: "running", trigger: "cli", heartbeatAt: new Date(), total: withPurchases.length },
      });
      const data: ChunkJobData = {
        runId: run.id,
        after: 0,
        through: withPurchases[9]!,
        size: 10,
        fingerprint,
      };
      const job = { id: "twice", data } as Job<ChunkJobData>;
      const results = await Promise.all([processChunkJob(jobDeps, job), processChunkJob(jobDeps, job)]);
      expect(results).toEqual([
        { processed: 10, failed: 0 },
        { processed: 10, failed: 0 },
      ]);
      const current = await db.prediction.groupBy({
        by: ["customerId"],
        where: { customerId: { in: withPurchases.slice(0, 10) }, supersededAt: null },
        _min: { generatedAt: true },
        _max: { generatedAt: true },
      });
      expect(current.length).toBeGreaterThan(0);
      for (const customer of current) expect(customer._min.generatedAt).toEqual(customer._max.generatedAt);
      await db.batchRun.update({
        where: { id: run.id },
        data: { status: "succeeded", finishedAt: new Date() },
      });
    });
  });

  it("keeps Bedrock calls of two workers within BEDROCK_CALLS_PER_MINUTE; the rest get statistics", async () => {
    const fake = await startFakeBedrock({ responder: () => ({ predictions: [], insights: [] }) });
    try {
      const analyzer: AnalyzerConfig = {
        kind: "bedrock",
        bedrock: { ...fakeBedrockSettings(fake), maxCallsPerRequest: 1_000, callsPerMinute: 7 },
      };
      startWorker({ analyzer });
      startWorker({ analyzer });
      const claim = await start("api", { chunkSize: CHUNK, fitPriors: false });
      const { run } = await watchQueuedRun({ db: handle.database.prisma, queue }, claim.run.id, {
        pollMs: 50,
      });
      expect(run).toMatchObject({ status: "succeeded", processed: withPurchases.length, failed: 0 });
      expect(fake.requests).toHaveLength(7);
      const limited = await handle.database.prisma.aiFallback.findFirstOrThrow({
        where: { reason: "rate_limited" },
      });
      expect(limited.count).toBeGreaterThan(0);
    } finally {
      await fake.close();
    }
  });
});
