// The start-up check that Redis never evicts the queue's keys: read from INFO, a warning for any
// other policy, none for noeviction (as production's must be).
import pino from "pino";
import {
  checkEvictionPolicy,
  evictionPolicyIn,
  evictionWarning,
} from "../../../../src/predictions/batch/queue/redis-policy";
import { RefreshQueue } from "../../../../src/predictions/batch/queue/refresh-queue";
import { redisTestUrl, testNamespace } from "../../../support/redis";

describe("Redis eviction policy", () => {
  it("reads maxmemory_policy from INFO's text", () => {
    const info =
      "# Memory\r\nused_memory:1024\r\nmaxmemory:0\r\nmaxmemory_policy:allkeys-lru\r\nmem_fragmentation_ratio:1.2\r\n";
    expect(evictionPolicyIn(info)).toBe("allkeys-lru");
    expect(evictionPolicyIn("# Server\r\nredis_version:7.0.15\r\n")).toBeUndefined();
  });

  it("warns for every policy but noeviction, naming it and the fix", () => {
    expect(evictionWarning("noeviction")).toBeUndefined();
    expect(evictionWarning("volatile-lru")).toBe(
      "Redis maxmemory-policy is volatile-lru: the refresh queue needs noeviction (an evicted job is a chunk " +
        "that never runs); set maxmemory-policy noeviction, or give the queue a Redis of its own",
    );
    expect(evictionWarning(undefined)).toMatch(/^Redis maxmemory-policy is unknown: /);
  });

  (process.env.CAI_TEST_REDIS_SKIP ? it.skip : it)(
    "checks the test Redis at start-up: silent only if it never evicts",
    async () => {
      const lines: Array<{ level: number; msg: string }> = [];
      const log = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
      const queue = new RefreshQueue({ redisUrl: redisTestUrl(), prefix: testNamespace(), log });
      try {
        await checkEvictionPolicy(queue, log);
        const policy = evictionPolicyIn(await (await queue.queue.client).info());
        expect(lines.map((line) => line.msg)).toEqual(
          policy === "noeviction" ? [] : [evictionWarning(policy)],
        );
      } finally {
        await queue.queue.obliterate({ force: true });
        await queue.close();
      }
    },
  );
});
