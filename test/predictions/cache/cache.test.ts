import { createClient } from "@keyv/redis";
import pino from "pino";
import { createCache } from "../../../src/predictions/cache/cache";
import { redisTestUrl, testNamespace } from "../../support/redis";
import { startTcpProxy } from "../../support/tcp-proxy";

const silent = pino({ level: "silent" });

describe("prediction cache in memory", () => {
  it("returns what was set and misses for the rest", async () => {
    const cache = createCache<{ n: number }>({ maxEntries: 10, ttlMs: 60_000, namespace: "t", log: silent });
    await cache.setMany([
      { key: "a", value: { n: 1 } },
      { key: "b", value: { n: 2 } },
    ]);
    expect(await cache.getMany(["a", "x", "b"])).toEqual([{ n: 1 }, undefined, { n: 2 }]);
    await cache.deleteMany(["a"]);
    expect(await cache.getMany(["a", "b"])).toEqual([undefined, { n: 2 }]);
  });

  it("holds at most maxEntries, dropping the least recently used", async () => {
    const cache = createCache<number>({ maxEntries: 3, ttlMs: 60_000, namespace: "t", log: silent });
    await cache.setMany([1, 2, 3].map((n) => ({ key: `k${n}`, value: n })));
    await cache.getMany(["k1"]); // k1 is now more recent than k2
    await cache.setMany([{ key: "k4", value: 4 }]);
    expect(await cache.getMany(["k1", "k2", "k3", "k4"])).toEqual([1, undefined, 3, 4]);
  });

  it("forgets entries after their time to live", async () => {
    const cache = createCache<number>({ maxEntries: 10, ttlMs: 30, namespace: "t", log: silent });
    await cache.setMany([{ key: "k", value: 1 }]);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(await cache.getMany(["k"])).toEqual([undefined]);
  });
});

const redisSkip = process.env.CAI_TEST_REDIS_SKIP;
(redisSkip ? describe.skip : describe)("prediction cache on Redis", () => {
  const namespace = testNamespace();
  let redis: ReturnType<typeof createClient>;
  let cache: ReturnType<typeof createCache<{ n: number }>>;

  beforeAll(async () => {
    redis = createClient({ url: redisTestUrl() });
    await redis.connect();
    cache = createCache({
      redisUrl: redisTestUrl(),
      maxEntries: 10,
      ttlMs: 60_000,
      namespace,
      log: silent,
      timeoutMs: 2_000,
    });
  });
  afterAll(async () => {
    const keys = await redis.keys(`${namespace}*`);
    if (keys.length) await redis.del(keys);
    await redis.quit();
    await cache.close();
  });

  it("stores namespaced keys with a TTL that any replica can read", async () => {
    await cache.setMany([{ key: "customer:1", value: { n: 1 } }]);
    const keys = await redis.keys(`${namespace}*`);
    expect(keys).toEqual([`${namespace}::customer:1`]);
    const ttl = await redis.pTTL(keys[0]!);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    const other = createCache<{ n: number }>({
      redisUrl: redisTestUrl(),
      maxEntries: 1,
      ttlMs: 1,
      namespace,
      log: silent,
    });
    try {
      expect(await other.getMany(["customer:1", "customer:2"])).toEqual([{ n: 1 }, undefined]);
    } finally {
      await other.close();
    }
  });

  it("deletes", async () => {
    await cache.setMany([{ key: "customer:9", value: { n: 9 } }]);
    await cache.deleteMany(["customer:9"]);
    expect(await cache.getMany(["customer:9"])).toEqual([undefined]);
  });
});

describe("prediction cache during an outage", () => {
  it("reads as misses and skips writes, without throwing, and says so in the log", async () => {
    const lines: string[] = [];
    const log = pino(
      { level: "warn" },
      {
        write: (line: string) => {
          lines.push(line);
        },
      },
    );
    // Nothing listens on port 1.
    const cache = createCache<number>({
      redisUrl: "redis://127.0.0.1:1",
      maxEntries: 1,
      ttlMs: 1_000,
      namespace: "x",
      log,
    });
    try {
      await expect(cache.setMany([{ key: "k", value: 1 }])).resolves.toBeUndefined();
      await expect(cache.getMany(["k", "l"])).resolves.toEqual([undefined, undefined]);
      await expect(cache.deleteMany(["k"])).resolves.toBeUndefined();
      expect(lines.filter((line) => line.includes("computing without it")).length).toBe(3);
      // Three failures in a row: the cache is skipped from now on, and that is said once.
      expect(lines.filter((line) => line.includes("prediction cache failing")).length).toBe(1);
      await expect(cache.getMany(["k"])).resolves.toEqual([undefined]);
      expect(lines.filter((line) => line.includes("computing without it")).length).toBe(3);
    } finally {
      await cache.close();
    }
  });
});

(redisSkip ? describe.skip : describe)("prediction cache behind a half-open connection", () => {
  it("pays the timeout a bounded number of times, not once per operation, and recovers when healthy", async () => {
    const { hostname, port } = new URL(redisTestUrl());
    const proxy = await startTcpProxy(hostname, Number(port || 6379));
    const lines: string[] = [];
    const log = pino({ level: "info" }, { write: (line: string) => void lines.push(line) });
    const cooldownMs = 1_000;
    const cache = createCache<number>({
      redisUrl: proxy.url,
      maxEntries: 1,
      ttlMs: 60_000,
      namespace: testNamespace(),
      timeoutMs: 100,
      breakerCooldownMs: cooldownMs,
      log,
    });
    const timeouts = () => lines.filter((line) => line.includes("no answer within 100 ms")).length;
    const eventually = async (value: number) => {
      let got: number | undefined;
      for (let i = 0; i < 50 && got !== value; i++) {
        await new Promise((resolve) => setTimeout(resolve, cooldownMs / 5));
        await cache.setMany([{ key: "k", value }]);
        [got] = await cache.getMany(["k"]);
      }
      return got;
    };
    try {
      expect(await eventually(1)).toBe(1); // connected
      lines.length = 0;

      proxy.stall(); // the connection stays open, nothing comes back
      const started = Date.now();
      for (let i = 0; i < 40; i++) expect(await cache.getMany(["k"])).toEqual([undefined]);
      const elapsed = Date.now() - started;
      // Three failures open the breaker; then one try per cool-down at most.
      const bound = 3 + Math.ceil(elapsed / cooldownMs);
      expect(timeouts()).toBeGreaterThanOrEqual(3);
      expect(timeouts()).toBeLessThanOrEqual(bound);
      // Only those operations were sent into the silent connection.
      expect(proxy.stalledChunks).toBeLessThanOrEqual(bound);
      expect(lines.filter((line) => line.includes("prediction cache failing")).length).toBe(1);

      proxy.resume();
      expect(await eventually(2)).toBe(2);
      expect(lines.some((line) => line.includes("prediction cache answers again"))).toBe(true);
    } finally {
      await cache.close();
      await proxy.close();
    }
  }, 30_000);

  it("gives a bulk write one deadline per 100 keys: a refresh chunk's large write is not taken for an outage", async () => {
    const { hostname, port } = new URL(redisTestUrl());
    const proxy = await startTcpProxy(hostname, Number(port || 6379));
    const lines: string[] = [];
    const log = pino({ level: "info" }, { write: (line: string) => void lines.push(line) });
    const cache = createCache<number>({
      redisUrl: proxy.url,
      maxEntries: 1,
      ttlMs: 60_000,
      namespace: testNamespace(),
      timeoutMs: 100,
      log,
    });
    try {
      for (let i = 0; i < 50 && (await cache.getMany(["k"]))[0] === undefined; i++) {
        await cache.setMany([{ key: "k", value: 1 }]);
      }
      proxy.stall();
      lines.length = 0;
      const entries = Array.from({ length: 250 }, (_, i) => ({ key: `bulk:${i}`, value: i }));
      await cache.setMany(entries);
      // 250 keys: 3 deadlines of 100 ms; a page-sized read keeps one.
      expect(lines.some((line) => line.includes("no answer within 300 ms"))).toBe(true);
      await cache.getMany(["k"]);
      expect(lines.some((line) => line.includes("no answer within 100 ms"))).toBe(true);
    } finally {
      proxy.resume();
      await cache.close();
      await proxy.close();
    }
  }, 30_000);
});
