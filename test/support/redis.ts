import { randomBytes } from "node:crypto";
import Redis from "ioredis";

/** The Redis server tests use; each test file works under its own random key namespace. */
export function redisTestUrl(): string {
  return process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
}

/**
 * A key namespace of its own for a test file, inside this jest run's (CAI_TEST_RUN, set by the global
 * setup), so that the global teardown can delete every key the run left (cached predictions live
 * 24 h) without touching another run's.
 */
export function testNamespace(): string {
  return `${runNamespace()}-${randomBytes(6).toString("hex")}`;
}

/** The prefix of every namespace this jest run hands out. */
export function runNamespace(): string {
  return `cai-test-${process.env.CAI_TEST_RUN ?? "adhoc"}`;
}

/** Deletes every key under the prefix; returns how many. */
export async function deleteKeysUnder(prefix: string): Promise<number> {
  const redis = new Redis(redisTestUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let deleted = 0;
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1_000);
      if (keys.length) deleted += await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== "0");
    return deleted;
  } finally {
    redis.disconnect();
  }
}
