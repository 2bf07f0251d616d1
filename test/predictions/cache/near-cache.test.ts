// The near cache in front of Redis, as replicas see it: two caches on one Redis namespace play two
// replicas. Whether a read reached Redis is observed on the Redis store's getMany (one call per round
// trip); pub/sub messages are awaited by polling with a deadline.
import net from "node:net";
import KeyvRedis, { createClient } from "@keyv/redis";
import pino from "pino";
import { createCache, type ResilientCache } from "../../../src/predictions/cache/cache";
import { NearCache } from "../../../src/predictions/cache/near-cache";
import { redisTestUrl, testNamespace } from "../../support/redis";
import { startTcpProxy } from "../../support/tcp-proxy";

const silent = pino({ level: "silent" });
type Value = { n: number };

describe("NearCache on its own", () => {
  it("holds nothing until resumed, and forgets everything when suspended", () => {
    const near = new NearCache<Value>({ maxEntries: 10, ttlMs: 60_000 });
    const before = near.track();
    near.resume();
    before.end([{ key: "k", value: { n: 1 }, ttlMs: 60_000 }]); // began untrusted: not kept
    expect(near.get("k")).toBeUndefined();
    near.track().end([{ key: "k", value: { n: 1 }, ttlMs: 60_000 }]);
    expect(near.get("k")).toEqual({ n: 1 });
    const flight = near.track();
    near.suspend();
    near.resume();
    flight.end([{ key: "j", value: { n: 2 }, ttlMs: 60_000 }]); // spanned a suspension: not kept
    expect([near.get("k"), near.get("j")]).toEqual([undefined, undefined]);
  });

  it("does not keep what a round trip read if the key was invalidated meanwhile", () => {
    const near = new NearCache<Value>({ maxEntries: 10, ttlMs: 60_000 });
    near.resume();
    const flight = near.track();
    near.invalidate(["a"]);
    flight.end([
      { key: "a", value: { n: 1 }, ttlMs: 60_000 },
      { key: "b", value: { n: 2 }, ttlMs: 60_000 },
    ]);
    expect([near.get("a"), near.get("b")]).toEqual([undefined, { n: 2 }]);
  });
});

const redisSkip = process.env.CAI_TEST_REDIS_SKIP;
(redisSkip ? describe.skip : describe)("near cache in front of Redis", () => {
  const namespaces: string[] = [];
  const opened: Array<ResilientCache<Value>> = [];
  let redis: ReturnType<typeof createClient>;
  let getMany: jest.SpyInstance;
  let redisGetMany: typeof KeyvRedis.prototype.getMany;

  beforeAll(async () => {
    redis = createClient({ url: redisTestUrl() });
    await redis.connect();
  });
  beforeEach(() => {
    redisGetMany = KeyvRedis.prototype.getMany;
    getMany = jest.spyOn(KeyvRedis.prototype, "getMany");
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await Promise.all(opened.splice(0).map((cache) => cache.close()));
  });
  afterAll(async () => {
    for (const namespace of namespaces) {
      const keys = await redis.keys(`${namespace}*`);
      if (keys.length) await redis.del(keys);
    }
    await redis.quit();
  });

  /** A fresh namespace: the caches of one test never hear those of another. */
  function namespace(): string {
    const name = testNamespace();
    namespaces.push(name);
    return name;
  }

  function open(
    ns: string,
    near: { maxEntries: number; ttlMs: number } = { maxEntries: 100, ttlMs: 60_000 },
    url = redisTestUrl(),
    timeoutMs = 2_000,
  ): ResilientCache<Value> {
    const cache = createCache<Value>({
      redisUrl: url,
      maxEntries: 1,
      ttlMs: 60_000,
      namespace: ns,
      near,
      log: silent,
      timeoutMs,
    });
    opened.push(cache);
    return cache;
  }

  /** Writes an entry as the cache stores it, but announces nothing: no message can interfere. */
  async function put(ns: string, key: string, value: Value, ttlMs?: number): Promise<void> {
    const expires = ttlMs ? Date.now() + ttlMs : undefined;
    await redis.set(`${ns}::${key}`, JSON.stringify({ value, expires }), ttlMs ? { PX: ttlMs } : {});
  }

  /** Holds the next write to Redis until `before` resolves, lets it through, then calls `after`. */
  function delayNextWrite(before: () => Promise<unknown>, after: () => void = () => {}): void {
    const redisSetMany = KeyvRedis.prototype.setMany;
    jest.spyOn(KeyvRedis.prototype, "setMany").mockImplementationOnce(async function (
      this: KeyvRedis<string>,
      entries,
    ) {
      await before();
      await redisSetMany.call(this, entries);
      after();
    });
  }

  /** Reads, and says whether the read went to Redis. */
  async function read(cache: ResilientCache<Value>, keys: string[]) {
    const before = getMany.mock.calls.length;
    const values = await cache.getMany(keys);
    return { values, roundTrip: getMany.mock.calls.length > before };
  }

  async function eventually(check: () => Promise<boolean>, what: string, deadlineMs = 5_000): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`not within ${deadlineMs} ms: ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Waits until the cache serves the keys from memory. */
  async function held(cache: ResilientCache<Value>, keys: string[]): Promise<void> {
    await eventually(
      async () => {
        await cache.getMany(keys);
        return !(await read(cache, keys)).roundTrip;
      },
      `${keys.join(", ")} held near`,
    );
  }

  /** Waits until the cache's invalidation channel is subscribed (before, it holds nothing). */
  async function subscribed(cache: ResilientCache<Value>, probe = "probe"): Promise<void> {
    await cache.setMany([{ key: probe, value: { n: -1 } }]);
    await held(cache, [probe]);
  }

  /** Makes the next Redis read answer late: `answered` once Redis answered, handled on `release()`. */
  function delayNextRead() {
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let answered = () => {};
    const done = new Promise<void>((resolve) => {
      answered = resolve;
    });
    getMany.mockImplementationOnce(async function (this: KeyvRedis<string>, keys: string[]) {
      const answer = await redisGetMany.call(this, keys);
      answered();
      await gate;
      return answer;
    });
    return { answered: done, release };
  }

  it("serves a repeated read from memory: no Redis round trip, the same object", async () => {
    const ns = namespace();
    const a = open(ns);
    await subscribed(a);
    await put(ns, "k", { n: 1 });
    const first = await read(a, ["k", "missing"]);
    expect(first).toEqual({ values: [{ n: 1 }, undefined], roundTrip: true });
    const second = await read(a, ["k"]);
    expect(second).toEqual({ values: [{ n: 1 }], roundTrip: false });
    expect(second.values[0]).toBe(first.values[0]);
    // Only the misses go to Redis.
    await read(a, ["k", "missing"]);
    expect(getMany.mock.lastCall?.[0]).toEqual(["missing"]);
  });

  it("drops what another replica writes or deletes", async () => {
    const ns = namespace();
    const [a, b] = [open(ns), open(ns)];
    await Promise.all([subscribed(a, "probe-a"), subscribed(b, "probe-b")]);
    await put(ns, "k", { n: 1 });
    await held(a, ["k"]);

    await b.setMany([{ key: "k", value: { n: 2 } }]);
    await eventually(async () => (await a.getMany(["k"]))[0]?.n === 2, "A reads B's new value");
    expect(await read(a, ["k"])).toEqual({ values: [{ n: 2 }], roundTrip: false });

    await b.deleteMany(["k"]);
    await eventually(async () => (await a.getMany(["k"]))[0] === undefined, "A misses what B deleted");
  });

  it("applies its own writes and deletes at once, and ignores its own announcements", async () => {
    const ns = namespace();
    const [a, b] = [open(ns), open(ns)];
    await Promise.all([subscribed(a, "probe-a"), subscribed(b, "probe-b")]);
    await a.setMany([{ key: "k", value: { n: 1 } }]);
    expect(await read(a, ["k"])).toEqual({ values: [{ n: 1 }], roundTrip: false });
    await a.deleteMany(["k"]);
    expect(await read(a, ["k"])).toEqual({ values: [undefined], roundTrip: true });

    await put(ns, "marker", { n: 0 });
    await held(a, ["marker"]);
    await a.setMany([{ key: "k", value: { n: 3 } }]);
    await b.setMany([{ key: "marker", value: { n: 1 } }]);
    // Messages arrive in order: once A has heard B's, it has heard its own about k.
    await eventually(async () => (await a.getMany(["marker"]))[0]?.n === 1, "A hears B");
    expect(await read(a, ["k"])).toEqual({ values: [{ n: 3 }], roundTrip: false });
  });

  it("does not keep a value read before another replica's invalidation arrived", async () => {
    const ns = namespace();
    const [a, b] = [open(ns), open(ns)];
    await Promise.all([subscribed(a, "probe-a"), subscribed(b, "probe-b")]);
    await put(ns, "k", { n: 1 });
    await put(ns, "marker", { n: 0 });
    await held(a, ["marker"]); // to tell when A has heard B
    const late = delayNextRead();
    const slow = a.getMany(["k"]);
    await late.answered; // the old value, read now, handled after the invalidation
    await b.setMany([{ key: "k", value: { n: 2 } }]);
    await b.setMany([{ key: "marker", value: { n: 1 } }]);
    await eventually(async () => (await a.getMany(["marker"]))[0]?.n === 1, "A hears B");
    late.release();
    expect(await slow).toEqual([{ n: 1 }]); // it started before the write: the old value is right
    expect((await read(a, ["k"])).values).toEqual([{ n: 2 }]);
  });

  it("does not keep a value read before its own write finished", async () => {
    const ns = namespace();
    const a = open(ns);
    await subscribed(a);
    await put(ns, "k", { n: 1 });
    const late = delayNextRead();
    const slow = a.getMany(["k"]);
    await late.answered;
    await a.setMany([{ key: "k", value: { n: 2 } }]);
    late.release();
    expect(await slow).toEqual([{ n: 1 }]);
    expect(await read(a, ["k"])).toEqual({ values: [{ n: 2 }], roundTrip: false });
  });

  it("does not keep a value read while its own write was in flight", async () => {
    const ns = namespace();
    const a = open(ns);
    await subscribed(a);
    await put(ns, "k", { n: 1 });
    let releaseWrite = () => {};
    const writeGate = new Promise<void>((resolve) => {
      releaseWrite = resolve;
    });
    delayNextWrite(() => writeGate); // the write begins, but does not reach Redis yet
    const write = a.setMany([{ key: "k", value: { n: 2 } }]);
    const late = delayNextRead();
    const slow = a.getMany(["k"]); // began during the write
    await late.answered; // read the old value
    releaseWrite();
    await write; // done: the read is still in flight
    late.release();
    expect(await slow).toEqual([{ n: 1 }]);
    expect(await read(a, ["k"])).toEqual({ values: [{ n: 2 }], roundTrip: false });
  });

  it("drops what its own write changed when the write lands after its timeout", async () => {
    const ns = namespace();
    const a = open(ns, undefined, undefined, 200);
    await subscribed(a);
    await put(ns, "k", { n: 1 });
    let landed = () => {};
    const landing = new Promise<void>((resolve) => {
      landed = resolve;
    });
    delayNextWrite(() => new Promise((resolve) => setTimeout(resolve, 400)), landed);
    await a.setMany([{ key: "k", value: { n: 2 } }]); // gives up after 200 ms
    await held(a, ["k"]); // the old value, the only one in Redis yet
    expect(await a.getMany(["k"])).toEqual([{ n: 1 }]);
    await landing;
    await eventually(async () => (await a.getMany(["k"]))[0]?.n === 2, "A reads its late write");
  });

  it("is bypassed while its subscription is down, and used again once it is back", async () => {
    const proxy = await startTcpProxy("127.0.0.1", Number(new URL(redisTestUrl()).port || 6379));
    try {
      const ns = namespace();
      const a = open(ns, undefined, proxy.url);
      const b = open(ns);
      await subscribed(a);
      await put(ns, "k", { n: 1 });
      await held(a, ["k"]);

      proxy.block("SUBSCRIBE"); // A's subscriber is cut and cannot come back; its other connection stays
      await eventually(async () => (await read(a, ["k"])).roundTrip, "A reads Redis");
      await b.setMany([{ key: "k", value: { n: 2 } }]); // A cannot hear this
      expect(await read(a, ["k"])).toEqual({ values: [{ n: 2 }], roundTrip: true });
      expect(await read(a, ["k"])).toEqual({ values: [{ n: 2 }], roundTrip: true });

      proxy.unblock();
      await held(a, ["k"]);
      await b.setMany([{ key: "k", value: { n: 3 } }]);
      await eventually(async () => (await a.getMany(["k"]))[0]?.n === 3, "A hears B again");
    } finally {
      await Promise.all(opened.splice(0).map((cache) => cache.close()));
      await proxy.close();
    }
  });

  it("holds a value no longer than its near TTL, nor past its expiry in Redis", async () => {
    const ns = namespace();
    const short = open(ns, { maxEntries: 100, ttlMs: 150 });
    const long = open(ns, { maxEntries: 100, ttlMs: 60_000 });
    await Promise.all([subscribed(short, "probe-s"), subscribed(long, "probe-l")]);
    await put(ns, "k", { n: 1 });
    await put(ns, "theirs", { n: 2 }, 300); // read from Redis, expiring soon
    await long.setMany([{ key: "mine", value: { n: 3 }, ttlMs: 300 }]); // written here, expiring soon
    await held(short, ["k"]);
    await held(long, ["theirs", "mine"]);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await read(short, ["k"])).toEqual({ values: [{ n: 1 }], roundTrip: true });
    expect(await read(long, ["theirs", "mine"])).toEqual({ values: [undefined, undefined], roundTrip: true });
  });

  it("holds at most maxEntries values, dropping the least recently used", async () => {
    const ns = namespace();
    const a = open(ns, { maxEntries: 2, ttlMs: 60_000 });
    await subscribed(a);
    for (const n of [1, 2, 3]) await put(ns, `k${n}`, { n });
    await a.getMany(["k1", "k2", "k3"]);
    expect(await read(a, ["k2", "k3"])).toEqual({ values: [{ n: 2 }, { n: 3 }], roundTrip: false });
    expect(await read(a, ["k1"])).toEqual({ values: [{ n: 1 }], roundTrip: true });
  });

  it("with 0 entries: every read goes to Redis, no subscription, writes still announced", async () => {
    const ns = namespace();
    const off = open(ns, { maxEntries: 0, ttlMs: 60_000 });
    const on = open(ns);
    await subscribed(on);
    await off.setMany([{ key: "k", value: { n: 1 } }]);
    expect(await read(off, ["k"])).toEqual({ values: [{ n: 1 }], roundTrip: true });
    expect(await read(off, ["k"])).toEqual({ values: [{ n: 1 }], roundTrip: true });
    expect(await redis.pubSubNumSub(`${ns}:invalidate`)).toEqual({ [`${ns}:invalidate`]: 1 });
    await held(on, ["k"]);
    await off.setMany([{ key: "k", value: { n: 2 } }]);
    await eventually(async () => (await on.getMany(["k"]))[0]?.n === 2, "the other cache hears it");
  });

  it("closes its subscription, and leaves no connection behind when closed at once", async () => {
    const ns = namespace();
    const a = open(ns);
    await subscribed(a);
    const subscribers = async () =>
      (await redis.clientList()).filter((client) => client.name === `${ns}:near-cache`).length;
    expect(await subscribers()).toBe(1);
    await a.close();
    await eventually(async () => (await subscribers()) === 0, "the subscriber is gone");
    for (let i = 0; i < 5; i++) await open(ns).close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await subscribers()).toBe(0);
  });
});

describe("near cache during a Redis outage", () => {
  it("closes within its timeout when Redis accepts connections but never answers", async () => {
    const sockets = new Set<net.Socket>();
    const blackHole = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => blackHole.listen(0, "127.0.0.1", resolve));
    const cache = createCache<number>({
      redisUrl: `redis://127.0.0.1:${(blackHole.address() as net.AddressInfo).port}`,
      maxEntries: 1,
      ttlMs: 1_000,
      namespace: "x",
      near: { maxEntries: 10, ttlMs: 1_000 },
      log: silent,
      timeoutMs: 300,
    });
    try {
      await expect(cache.getMany(["k"])).resolves.toEqual([undefined]);
      const started = Date.now();
      await cache.close();
      expect(Date.now() - started).toBeLessThan(1_500);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => blackHole.close(resolve));
    }
  });

  it("reads as misses, never throws, and closes promptly", async () => {
    // Nothing listens on port 1.
    const cache = createCache<number>({
      redisUrl: "redis://127.0.0.1:1",
      maxEntries: 1,
      ttlMs: 1_000,
      namespace: "x",
      near: { maxEntries: 10, ttlMs: 1_000 },
      log: silent,
    });
    await expect(cache.setMany([{ key: "k", value: 1 }])).resolves.toBeUndefined();
    await expect(cache.getMany(["k", "k"])).resolves.toEqual([undefined, undefined]);
    await expect(cache.deleteMany(["k"])).resolves.toBeUndefined();
    const started = Date.now();
    await cache.close();
    expect(Date.now() - started).toBeLessThan(500);
  });
});
