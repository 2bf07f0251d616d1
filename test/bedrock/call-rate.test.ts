// BEDROCK_CALLS_PER_MINUTE across processes: two gateways (two workers, or a worker and an API
// replica) counting in one Redis never send more than the allowance of a window between them; a call
// that may wait gets the next window's allowance instead of falling back. Counts only, no timings.
import pino from "pino";
import { BedrockCallError, BedrockGateway } from "../../src/bedrock/bedrock-gateway";
import { createCallRate } from "../../src/bedrock/call-rate";
import { DatabaseUsageLedger } from "../../src/bedrock/usage-ledger";
import { openDatabase } from "../../src/db/client";
import { createDatabase } from "../support/databases";
import { fakeBedrockSettings, startFakeBedrock } from "../support/fake-bedrock";
import { redisTestUrl, testNamespace } from "../support/redis";

process.env.AWS_ACCESS_KEY_ID = "AKIDTESTFAKEBEDROCK";
process.env.AWS_SECRET_ACCESS_KEY = "fake-secret-for-tests";

const log = pino({ level: "silent" });

(process.env.CAI_TEST_REDIS_SKIP ? describe.skip : describe)("BEDROCK_CALLS_PER_MINUTE through Redis", () => {
  let drop: () => Promise<void> = async () => {};
  let url = "";
  beforeAll(async () => {
    ({ url, drop } = await createDatabase("sqlite"));
  });
  afterAll(() => drop());

  /** Two gateways on one ledger and one Redis allowance, as two processes would have them. */
  async function twoProcesses(callsPerWindow: number, windowMs: number, waitMs: number) {
    const fake = await startFakeBedrock({ responder: () => ({ predictions: [], insights: [] }) });
    const database = openDatabase(url);
    const namespace = testNamespace();
    const rates = [0, 1].map(
      () =>
        createCallRate({
          callsPerMinute: callsPerWindow,
          redisUrl: redisTestUrl(),
          namespace,
          log,
          windowMs,
        })!,
    );
    const gateways = rates.map(
      (callRate) =>
        new BedrockGateway({
          ...fakeBedrockSettings(fake),
          ledger: new DatabaseUsageLedger(database.prisma),
          log,
          callRate,
          callRateWaitMs: waitMs,
        }),
    );
    const send = (calls: number) =>
      Promise.all(
        gateways.flatMap((gateway) =>
          Array.from({ length: calls }, () =>
            gateway.converse("k1|MILK|0,7,14|3 [2,5] 0.6").then(
              () => "ok",
              (error: BedrockCallError) => error.reason,
            ),
          ),
        ),
      );
    return {
      fake,
      send,
      async close() {
        for (const gateway of gateways) gateway.close();
        await Promise.all(rates.map((rate) => rate.close()));
        await database.close();
        await fake.close();
      },
    };
  }

  it("sends at most the window's allowance between them; the rest fall back as rate_limited", async () => {
    const processes = await twoProcesses(5, 60_000, 0);
    try {
      const outcomes = await processes.send(6);
      expect(outcomes.filter((o) => o === "ok")).toHaveLength(5);
      expect(outcomes.filter((o) => o === "rate_limited")).toHaveLength(7);
      expect(processes.fake.requests).toHaveLength(5);
    } finally {
      await processes.close();
    }
  });

  it("lets a call that may wait go out in a later window instead of falling back", async () => {
    const processes = await twoProcesses(3, 1_000, 30_000);
    try {
      const outcomes = await processes.send(4);
      expect(outcomes).toEqual(Array(8).fill("ok"));
      expect(processes.fake.requests).toHaveLength(8);
    } finally {
      await processes.close();
    }
  });
});
