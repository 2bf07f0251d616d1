// The batch refresh on both databases: every customer with purchases gets current predictions, a
// stopped or crashed run resumes after its last committed chunk (and refreshes nobody twice), a
// finished run is never redone, failing chunks are retried then counted, replicas never run two at
// once, and old superseded predictions are pruned.
import pino from "pino";
import { DEFAULT_PREDICTION_CONFIG } from "../../../src/config";
import { seedDatabase } from "../../../src/datagen/seed";
import { openDatabase } from "../../../src/db/client";
import {
  type BatchRefreshDeps,
  type BatchRefreshOptions,
  runBatchRefresh,
} from "../../../src/predictions/batch/batch-refresh";
import {
  claimBatchRun,
  HEARTBEAT_STALE_MS,
  latestUnfinishedRun,
} from "../../../src/predictions/batch/batch-run-ledger";
import { BatchRunner } from "../../../src/predictions/batch/batch-runner";
import { createPredictionRuntime, type PredictionRuntime } from "../../../src/predictions/runtime";
import { createDatabase, describeEachDatabase } from "../../support/databases";

const SEED = { customers: 30, days: 120, seed: 11, end: new Date(new Date().toISOString().slice(0, 10)) };
const log = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

/** The runtime with its service wrapped: records each refresh call's ids, can fail or stop on cue. */
function instrumented(runtime: PredictionRuntime, behaviour: { fail?: (ids: number[]) => boolean } = {}) {
  const calls: number[][] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const service = {
    async refresh(ids: readonly number[]) {
      calls.push([...ids]);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        if (behaviour.fail?.([...ids])) throw new Error("injected failure");
        return await runtime.service.refresh(ids);
      } finally {
        inFlight--;
      }
    },
  };
  return {
    runtime: { ...runtime, service },
    calls,
    refreshedIds: () => calls.flat(),
    maxInFlight: () => maxInFlight,
  };
}

describeEachDatabase("batch refresh", (handle) => {
  let runtime: PredictionRuntime;
  let withPurchases: number[] = [];
  let deps: (r: BatchRefreshDeps["runtime"]) => BatchRefreshDeps;
  const run = (r: BatchRefreshDeps["runtime"], options: Partial<BatchRefreshOptions> = {}) =>
    runBatchRefresh(deps(r), { trigger: "cli", chunkSize: 4, concurrency: 2, ...options });

  beforeAll(async () => {
    const db = handle.database.prisma;
    await seedDatabase(db, SEED);
    // One customer without purchases: never refreshed, never counted.
    await db.customer.create({ data: { externalId: "no-purchases", name: "Nobody" } });
    const rows = await db.purchase.findMany({ distinct: ["customerId"], select: { customerId: true } });
    withPurchases = rows.map((r) => r.customerId).sort((a, b) => a - b);
    runtime = createPredictionRuntime({
      config: DEFAULT_PREDICTION_CONFIG,
      db,
      provider: handle.provider,
      log,
    });
    deps = (r) => ({ db, runtime: r, log, provider: handle.provider });
  }, 120_000);
  afterAll(() => runtime?.close());

  it("refreshes every customer with purchases once, chunk by chunk, and records the run", async () => {
    const db = handle.database.prisma;
    const spy = instrumented(runtime);
    const progress: number[] = [];
    const summary = await run(spy.runtime, {
      onProgress: (p) => {
        if (p.phase === "customers") progress.push(p.processed);
      },
    });

    expect(withPurchases).toHaveLength(SEED.customers);
    expect(summary).toMatchObject({
      status: "succeeded",
      outcome: "new",
      total: withPurchases.length,
      processed: withPurchases.length,
      processedNow: withPurchases.length,
      failed: 0,
      stopped: false,
    });
    expect(spy.refreshedIds()).toEqual(withPurchases);
    expect(spy.calls.every((ids) => ids.length <= 4)).toBe(true);
    expect(spy.maxInFlight()).toBeLessThanOrEqual(2);
    expect(progress[progress.length - 1]).toBe(withPurchases.length);

    const current = await db.prediction.findMany({
      where: { supersededAt: null },
      distinct: ["customerId"],
      select: { customerId: true },
    });
    expect(current.map((p) => p.customerId).sort((a, b) => a - b)).toEqual(withPurchases);

    const row = await db.batchRun.findUniqueOrThrow({ where: { id: summary.runId } });
    expect(row).toMatchObject({
      status: "succeeded",
      trigger: "cli",
      total: withPurchases.length,
      processed: withPurchases.length,
      failed: 0,
      cursor: withPurchases[withPurchases.length - 1],
      resumes: 0,
      error: null,
    });
    expect(row.finishedAt).toBeInstanceOf(Date);
    expect(row.priorsFingerprint).toBe(summary.priorsFingerprint);
    expect(await db.populationPriors.count({ where: { fingerprint: row.priorsFingerprint! } })).toBe(1);
  });

  it("a second run supersedes the first: one current set per customer and category", async () => {
    const db = handle.database.prisma;
    const summary = await run(runtime);
    expect(summary.status).toBe("succeeded");
    const groups = await db.prediction.groupBy({
      by: ["customerId", "category"],
      where: { supersededAt: null },
      _count: { _all: true },
    });
    expect(groups.length).toBeGreaterThan(0);
    expect(groups.every((g) => g._count._all === 1)).toBe(true);
    expect(await db.prediction.count({ where: { supersededAt: { not: null } } })).toBeGreaterThan(0);
  });

  // SQLite plans without gathered statistics: nothing to refresh there.
  if (handle.provider === "postgresql") {
    it("leaves PostgreSQL with planner statistics of the rewritten Prediction table", async () => {
      const db = handle.database.prisma;
      const before = new Date();
      await run(runtime);
      const [stats] = await db.$queryRaw<Array<{ lastAnalyze: Date | null }>>`
        SELECT last_analyze AS "lastAnalyze" FROM pg_stat_user_tables WHERE relname = 'Prediction'`;
      expect(stats?.lastAnalyze?.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1_000);
    });
  }

  it("re-running a finished run refreshes nothing", async () => {
    const first = await run(runtime);
    const spy = instrumented(runtime);
    const again = await run(spy.runtime, { runId: first.runId });
    expect(again).toMatchObject({
      runId: first.runId,
      outcome: "finished",
      status: "succeeded",
      processedNow: 0,
    });
    expect(spy.calls).toEqual([]);
  });

  it("a stopped run resumes after its last committed chunk, refreshing only the rest, with the same priors", async () => {
    const db = handle.database.prisma;
    const controller = new AbortController();
    const first = instrumented(runtime);
    let completed = 0;
    const stoppingService = {
      async refresh(ids: readonly number[]) {
        const result = await first.runtime.service.refresh(ids);
        if (++completed === 3) controller.abort();
        return result;
      },
    };
    const stopped = await run({ ...runtime, service: stoppingService }, { signal: controller.signal });
    expect(stopped).toMatchObject({ status: "running", stopped: true });
    const row = await db.batchRun.findUniqueOrThrow({ where: { id: stopped.runId } });
    // Chunks in flight at the stop were finished and committed: the cursor covers exactly them.
    expect(row.processed).toBe(first.refreshedIds().length);
    expect(row.cursor).toBe(Math.max(...first.refreshedIds()));
    expect(row.processed).toBeLessThan(withPurchases.length);
    const priorsBefore = await db.populationPriors.findUniqueOrThrow({
      where: { fingerprint: row.priorsFingerprint! },
    });

    expect((await latestUnfinishedRun(db))?.id).toBe(stopped.runId);
    const second = instrumented(runtime);
    const resumed = await run(second.runtime, { runId: stopped.runId });
    expect(resumed).toMatchObject({
      runId: stopped.runId,
      outcome: "resumed",
      status: "succeeded",
      processed: withPurchases.length,
      processedNow: withPurchases.length - row.processed,
      priorsFingerprint: row.priorsFingerprint,
    });
    expect(second.refreshedIds()).toEqual(withPurchases.filter((id) => id > row.cursor));
    expect([...first.refreshedIds(), ...second.refreshedIds()]).toEqual(withPurchases);
    // The resumed run predicted with the priors it had; it did not fit them again.
    const priorsAfter = await db.populationPriors.findUniqueOrThrow({
      where: { fingerprint: row.priorsFingerprint! },
    });
    expect(priorsAfter.computedAt).toEqual(priorsBefore.computedAt);
    expect(await db.batchRun.findUniqueOrThrow({ where: { id: stopped.runId } })).toMatchObject({
      status: "succeeded",
      resumes: 1,
      processed: withPurchases.length,
    });
    expect(await latestUnfinishedRun(db)).toBeUndefined();
  });

  it("a crashed run (stale heartbeat) is resumed; one whose process is alive is joined, not run twice", async () => {
    const db = handle.database.prisma;
    // What a crash leaves: a running row, part done, whose heartbeat stopped moving.
    const fingerprint = (await db.populationPriors.findFirstOrThrow()).fingerprint;
    const cursor = withPurchases[9]!;
    const crashed = await db.batchRun.create({
      data: {
        status: "running",
        trigger: "cron",
        heartbeatAt: new Date(),
        total: withPurchases.length,
        processed: 10,
        cursor,
        priorsFingerprint: fingerprint,
      },
    });
    const spy = instrumented(runtime);
    const live = await run(spy.runtime, { runId: crashed.id });
    expect(live).toMatchObject({ outcome: "joined", status: "running", processedNow: 0 });
    expect(await latestUnfinishedRun(db)).toBeUndefined();

    await db.batchRun.update({
      where: { id: crashed.id },
      data: { heartbeatAt: new Date(Date.now() - HEARTBEAT_STALE_MS - 1_000) },
    });
    expect((await latestUnfinishedRun(db))?.id).toBe(crashed.id);
    const resumed = await run(spy.runtime, { runId: crashed.id });
    expect(resumed).toMatchObject({
      outcome: "resumed",
      status: "succeeded",
      processed: withPurchases.length,
    });
    expect(spy.refreshedIds()).toEqual(withPurchases.slice(10));
  });

  it("a chunk that fails twice is counted as failed and the run goes on; all failing fails the run", async () => {
    const victim = withPurchases[5]!;
    const spy = instrumented(runtime, { fail: (ids) => ids.includes(victim) });
    const summary = await run(spy.runtime);
    expect(summary).toMatchObject({ status: "succeeded", failed: 4, processed: withPurchases.length });
    expect(spy.calls.filter((ids) => ids.includes(victim))).toHaveLength(2);
    expect(spy.refreshedIds().filter((id) => id !== victim && withPurchases.includes(id))).toHaveLength(
      withPurchases.length - 1 + 3,
    );
    const row = await handle.database.prisma.batchRun.findUniqueOrThrow({ where: { id: summary.runId } });
    expect(row.error).toBe("injected failure");

    const broken = instrumented(runtime, { fail: () => true });
    const failed = await run(broken.runtime, { fitPriors: false });
    expect(failed).toMatchObject({ status: "failed", failed: withPurchases.length });
  });

  it("a new run while another is live joins it instead of starting a second", async () => {
    const db = handle.database.prisma;
    const [a, b] = await Promise.all([
      claimBatchRun({ db, provider: handle.provider }, { trigger: "api" }),
      claimBatchRun({ db, provider: handle.provider }, { trigger: "cron" }),
    ]);
    expect([a.outcome, b.outcome].sort()).toEqual(["joined", "new"]);
    expect(a.run.id).toBe(b.run.id);
    // Finish it, so later tests start from no running run.
    const summary = await run(runtime, { runId: a.run.id });
    expect(summary.outcome).toBe("joined");
    await db.batchRun.update({ where: { id: a.run.id }, data: { heartbeatAt: new Date(0) } });
    expect((await run(runtime, { runId: a.run.id })).status).toBe("succeeded");
  });

  it("the background runner returns the run at once, refuses work after stop(), and waits for the run", async () => {
    const db = handle.database.prisma;
    const runner = new BatchRunner(deps(runtime));
    const started = await runner.start("api");
    expect(started.status).toBe("running");
    expect((await runner.start("api")).id).toBe(started.id);
    const finished = await runner.run("api");
    expect(finished.id).toBe(started.id);
    expect(finished.status).toBe("succeeded");
    await runner.stop();
    await expect(runner.start("api")).rejects.toThrow("shutting down");
    expect((await db.batchRun.findUniqueOrThrow({ where: { id: started.id } })).processed).toBe(
      withPurchases.length,
    );
  });

  it("stopping the background runner mid-run leaves the run resumable at once, and resuming completes it", async () => {
    const db = handle.database.prisma;
    const runner = new BatchRunner(deps(runtime));
    const started = await runner.start("api");
    await runner.stop();
    const row = await db.batchRun.findUniqueOrThrow({ where: { id: started.id } });
    expect(row.status).toBe("running");
    expect(row.heartbeatAt.getTime()).toBe(0);
    expect((await latestUnfinishedRun(db))?.id).toBe(started.id);
    const resumed = await run(runtime, { runId: started.id });
    expect(resumed).toMatchObject({
      outcome: "resumed",
      status: "succeeded",
      processed: withPurchases.length,
    });
  });

  it("prunes superseded predictions no purchase can score any more and keeps the rest", async () => {
    const db = handle.database.prisma;
    const now = Date.now();
    const daysAgo = (days: number) => new Date(now - days * 86_400_000);
    const template = await db.prediction.findFirstOrThrow();
    const customerId = (await db.customer.create({ data: { externalId: "prune", name: "Prune" } })).id;
    // The knots (a JSON column) are left out: a copy without them is pruned all the same.
    const { id: _id, probabilityWithin: _knots, ...fields } = template;
    const make = (data: Partial<typeof fields>) =>
      db.prediction.create({
        data: {
          ...fields,
          customerId,
          category: "PRUNED",
          fulfilledAt: null,
          errorDays: null,
          inWindow: null,
          ...data,
        },
      });
    // Rows the supersede trigger leaves for the prune: a first forecast past the retention, and an
    // older cycle's forecast closed unscored after it was superseded.
    const expired = await make({
      lastPurchasedAt: daysAgo(400),
      generatedAt: daysAgo(399),
      supersededAt: daysAgo(200),
    });
    const scored = await make({
      lastPurchasedAt: daysAgo(300),
      generatedAt: daysAgo(299),
      supersededAt: daysAgo(298),
      fulfilledAt: daysAgo(290),
      errorDays: 1,
      inWindow: true,
    });
    const closed = await make({
      lastPurchasedAt: daysAgo(30),
      generatedAt: daysAgo(25),
      supersededAt: daysAgo(15),
      fulfilledAt: daysAgo(10),
    });
    const first = await make({
      lastPurchasedAt: daysAgo(15),
      generatedAt: daysAgo(14),
      supersededAt: daysAgo(13),
    });
    const summary = await run(runtime, { fitPriors: false });
    expect(summary.status).toBe("succeeded");
    expect(summary.pruned).toBe(2);
    const left = await db.prediction.findMany({
      where: { id: { in: [expired, scored, closed, first].map((p) => p.id) } },
      orderBy: { id: "asc" },
      select: { id: true },
    });
    expect(left).toEqual([{ id: scored.id }, { id: first.id }]);
  });

  it("refuses options it cannot use and unknown run ids, saying what it expected", async () => {
    await expect(run(runtime, { chunkSize: 0 })).rejects.toThrow(
      "chunkSize: expected a whole number from 1 to 10000, got 0",
    );
    await expect(run(runtime, { concurrency: 0 })).rejects.toThrow(
      "concurrency: expected a whole number from 1 to 64, got 0",
    );
    await expect(run(runtime, { runId: 999_999 })).rejects.toThrow("No batch run with id 999999");
  });
});

// Two replicas = two connections: only the advisory lock stands between them (SQLite has one owner).
(process.env.CAI_TEST_POSTGRES_SKIP ? describe.skip : describe)(
  "batch run claims across replicas [postgresql]",
  () => {
    it("two replicas starting at once create one run; the other joins it", async () => {
      const created = await createDatabase("postgresql");
      const replicas = [
        openDatabase(created.url, { poolSize: 2 }),
        openDatabase(created.url, { poolSize: 2 }),
      ];
      try {
        for (let round = 0; round < 5; round++) {
          const claims = await Promise.all(
            replicas.map((r) => claimBatchRun({ db: r.prisma, provider: "postgresql" }, { trigger: "cron" })),
          );
          expect(claims.map((c) => c.outcome).sort()).toEqual(["joined", "new"]);
          expect(claims[0]!.run.id).toBe(claims[1]!.run.id);
          await replicas[0]!.prisma.batchRun.update({
            where: { id: claims[0]!.run.id },
            data: { status: "succeeded", finishedAt: new Date() },
          });
        }
        expect(await replicas[0]!.prisma.batchRun.count({ where: { status: "running" } })).toBe(0);
      } finally {
        await Promise.all(replicas.map((r) => r.close()));
        await created.drop();
      }
    });
  },
);
