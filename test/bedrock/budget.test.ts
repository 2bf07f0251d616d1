// AI_MONTHLY_BUDGET_USD is a cap shared by every replica: each call reserves its worst case in the
// database before it is sent. Two gateways (two replicas, each with its own connection pool and
// ledger) on one database, both pushing calls at once, never spend more than the budget plus what
// the calls in flight cost beyond their estimate (README: "What bounds the cost").
import pino from "pino";
import { BedrockCallError, BedrockGateway } from "../../src/bedrock/bedrock-gateway";
import { DatabaseUsageLedger, monthOf } from "../../src/bedrock/usage-ledger";
import { openDatabase } from "../../src/db/client";
import { describeEachDatabase } from "../support/databases";
import { fakeBedrockSettings, startFakeBedrock } from "../support/fake-bedrock";

process.env.AWS_ACCESS_KEY_ID = "AKIDTESTFAKEBEDROCK";
process.env.AWS_SECRET_ACCESS_KEY = "fake-secret-for-tests";

const BUDGET_USD = 0.05;
const CONCURRENCY = 4;

describeEachDatabase("the monthly AI budget", (handle) => {
  it("two replicas sharing one database never spend past it together", async () => {
    const fake = await startFakeBedrock({
      responder: () => ({ predictions: [], insights: [] }),
      faults: { latencyMs: { min: 5, max: 40 } },
    });
    const second = openDatabase(handle.url, { poolSize: 4 });
    const log = pino({ level: "silent" });
    const replicas = [handle.database.prisma, second.prisma].map(
      (db) =>
        new BedrockGateway({
          ...fakeBedrockSettings(fake),
          maxConcurrency: CONCURRENCY,
          monthlyBudgetUsd: BUDGET_USD,
          ledger: new DatabaseUsageLedger(db),
          log,
        }),
    );
    try {
      const prompt = "k1|MILK|0,7,14|3 [2,5] 0.6\n".repeat(200);
      const estimate = replicas[0]!.estimateCostUsd(prompt);
      // Each replica alone would pass the budget: 30 calls of about a fifth of the estimate each.
      const outcomes = await Promise.all(
        replicas.flatMap((gateway) =>
          Array.from({ length: 30 }, () =>
            gateway.converse(prompt).then(
              (result) => ({ ok: true, costUsd: result.costUsd }),
              (error: BedrockCallError) => ({ ok: false, reason: error.reason }),
            ),
          ),
        ),
      );
      const refused = outcomes.filter((o) => !o.ok);
      expect(refused.length).toBeGreaterThan(0);
      expect(refused.every((o) => "reason" in o && o.reason === "budget")).toBe(true);

      const month = monthOf(new Date());
      const calls = await handle.database.prisma.aiUsage.findMany({ where: { month } });
      expect(calls.length).toBe(fake.requests.length);
      expect(calls.length).toBe(outcomes.length - refused.length);
      const spent = calls.reduce((sum, call) => sum + call.costUsd, 0);
      // The documented bound: calls in flight (both replicas) × what a call cost beyond its estimate.
      const overrun = Math.max(0, ...calls.map((call) => call.costUsd - estimate));
      expect(spent).toBeLessThanOrEqual(BUDGET_USD + 2 * CONCURRENCY * overrun + 1e-9);
      // Nothing is left reserved once every call has ended: the month's row is the real spend.
      const row = await handle.database.prisma.aiBudget.findUniqueOrThrow({ where: { month } });
      expect(row.committedUsd).toBeCloseTo(spent, 9);
      expect(calls.length).toBeGreaterThan(0);
    } finally {
      for (const gateway of replicas) gateway.close();
      await second.close();
      await fake.close();
    }
  }, 60_000);

  it("starts a month from the calls already recorded in it", async () => {
    const db = handle.database.prisma;
    const at = new Date("2031-05-10T12:00:00Z");
    await db.aiUsage.create({
      data: {
        at,
        month: monthOf(at),
        model: "m",
        inputTokens: 1,
        outputTokens: 1,
        costUsd: 5.22,
        outcome: "ok",
        latencyMs: 1,
      },
    });
    const ledger = new DatabaseUsageLedger(db);
    expect(await ledger.reserve(at, 0.1, 5.3)).toBeUndefined();
    expect(await ledger.reserve(at, 0.05, 5.3)).toEqual({ month: "2031-05", usd: 0.05 });
    expect(await ledger.reserve(at, 0.05, 5.3)).toBeUndefined();
  });
});
