import { randomBytes } from "node:crypto";

/** The Redis server tests use; each test file works under its own random key namespace. */
export function redisTestUrl(): string {
  return process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
}

export function testNamespace(): string {
  return `cai-test-${randomBytes(6).toString("hex")}`;
}
