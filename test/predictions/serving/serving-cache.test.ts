// The cache around Customer.predictions: no stampede on a cold customer, a Redis cache shared by
// stateless replicas, and a cache outage that degrades to computing instead of to errors.
import pino from "pino";
import type { Analyzer } from "../../../src/analysis/contract";
import {
  CustomerPredictionsDocument,
  CustomersWithPredictionsDocument,
  RecordPurchaseDocument,
  RefreshCustomerPredictionsDocument,
} from "../../../src/client/generated/graphql";
import { seedDatabase } from "../../../src/datagen/seed";
import { openDatabase } from "../../../src/db/client";
import { createPredictionRuntime } from "../../../src/predictions/runtime";
import type { AnalyzerProvider } from "../../../src/predictions/serving/prediction-service";
import { writePurchaseBatch } from "../../../src/purchases/bulk-write";
import { startApi } from "../../support/api";
import { createDatabase, PROVIDERS } from "../../support/databases";
import { redisTestUrl, testNamespace } from "../../support/redis";
import { startTcpProxy } from "../../support/tcp-proxy";

const REDIS_URL = "redis://127.0.0.1:6379";
const redisSkip = process.env.CAI_TEST_REDIS_SKIP;
const TODAY = new Date(new Date().toISOString().slice(0, 10));

/** Wraps an analyzer provider and counts analyze() calls and the customers each call got. */
function counting(stored: AnalyzerProvider) {
  const calls: number[] = [];
  const provider: AnalyzerProvider = {
    async current() {
      const analyzer = await stored.current();
      const counted: Analyzer = {
        version: analyzer.version,
        source: analyzer.source,
        analyze(customers, now) {
          calls.push(customers.length);
          return analyzer.analyze(customers, now);
        },
      };
      return counted;
    },
  };
  return { provider, calls };
}

describe("200 concurrent cold queries for one customer", () => {
  let calls: number[] = [];
  let started: Awaited<ReturnType<typeof startApi>>;
  beforeAll(async () => {
    started = await startApi("sqlite", {
      predictions: {
        analyzers: (stored) => {
          const counter = counting(stored);
          calls = counter.calls;
          return counter.provider;
        },
      },
    });
    await seedDatabase(started.api.database.prisma, { customers: 5, days: 120, seed: 3, end: TODAY });
    // Load the priors first, so the concurrent queries below all arrive at a cold cache together.
    await started.api.predictions.analyzers.current();
  }, 120_000);
  afterAll(() => started.stop());

  it("run exactly one analysis, and every query gets its result", async () => {
    const id = String((await started.api.database.prisma.customer.findFirst({ orderBy: { id: "asc" } }))!.id);
    const responses = await Promise.all(
      Array.from({ length: 200 }, () => started.api.request(CustomerPredictionsDocument, { id })),
    );
    expect(responses.every((r) => r.errors === undefined)).toBe(true);
    expect(calls).toEqual([1]);
    const first = JSON.stringify(responses[0]!.data!.customer!.predictions!.map((p) => p.nextPurchaseAt));
    for (const response of responses) {
      expect(JSON.stringify(response.data!.customer!.predictions!.map((p) => p.nextPurchaseAt))).toBe(first);
    }
  });
});

describe("a purchase recorded while the customer's predictions are being computed", () => {
  it("is reflected by the next read, and the stale computation is not cached", async () => {
    let gate: Promise<void> | undefined;
    let open = () => {};
    const started = await startApi("sqlite", {
      predictions: {
        analyzers: (stored) => ({
          async current() {
            const analyzer = await stored.current();
            return {
              version: analyzer.version,
              source: analyzer.source,
              async analyze(customers, now) {
                const waitFor = gate;
                gate = undefined; // only the first computation waits
                await waitFor;
                return analyzer.analyze(customers, now);
              },
            };
          },
        }),
      },
    });
    try {
      const { api } = started;
      await seedDatabase(api.database.prisma, { customers: 2, days: 120, seed: 13, end: TODAY });
      await api.predictions.analyzers.current();
      const customer = (await api.database.prisma.customer.findFirst({ orderBy: { id: "asc" } }))!;
      const id = String(customer.id);
      gate = new Promise((resolve) => {
        open = resolve;
      });
      const stale = api.request(CustomerPredictionsDocument, { id }); // reads the history, then waits
      await new Promise((resolve) => setTimeout(resolve, 200));
      const milk = await api.database.prisma.product.findFirstOrThrow({
        where: { category: "FLUID MILK PRODUCTS" },
      });
      const purchasedAt = new Date();
      const recorded = await api.request(
        RecordPurchaseDocument,
        {
          input: {
            customerId: id,
            purchasedAt: purchasedAt.toISOString(),
            items: [{ sku: milk.sku, quantity: 1 }],
          },
        },
        { as: "ingest" },
      );
      expect(recorded.errors).toBeUndefined();
      const fresh = await api.request(CustomerPredictionsDocument, { id, category: milk.category });
      open();
      await stale;
      const today = new Date(purchasedAt.toISOString().slice(0, 10)).toISOString();
      expect(fresh.data!.customer!.predictions!.map((p) => [p.lastPurchasedAt, p.cached])).toEqual([
        [today, false],
      ]);
      const cached = await api.request(CustomerPredictionsDocument, { id, category: milk.category });
      expect(cached.data!.customer!.predictions!.map((p) => [p.lastPurchasedAt, p.cached])).toEqual([
        [today, true],
      ]);
    } finally {
      open();
      await started.stop();
    }
  }, 60_000);
});

(redisSkip ? describe.skip : describe)("Redis cache shared by two API replicas", () => {
  const namespace = testNamespace();
  let replicas: Array<Awaited<ReturnType<typeof startApi>>> = [];
  let created: Awaited<ReturnType<typeof createDatabase>>;
  let counters: number[][] = [];

  beforeAll(async () => {
    created = await createDatabase("sqlite");
    counters = [[], []];
    replicas = [];
    for (const i of [0, 1]) {
      replicas.push(
        await startApi("sqlite", {
          database: created,
          predictions: {
            config: { redisUrl: REDIS_URL, cacheNamespace: namespace },
            analyzers: (stored) => {
              const counter = counting(stored);
              counters[i] = counter.calls;
              return counter.provider;
            },
          },
        }),
      );
    }
    await seedDatabase(replicas[0]!.api.database.prisma, { customers: 8, days: 120, seed: 5, end: TODAY });
  }, 120_000);
  afterAll(async () => {
    for (const replica of replicas) await replica.stop();
    await created.drop();
  });

  it("a page computed by one replica is served from Redis by the other", async () => {
    const [a, b] = replicas.map((r) => r.api);
    const computed = await a!.request(CustomersWithPredictionsDocument, { first: 8 });
    expect(computed.errors).toBeUndefined();
    expect(counters[0]).toEqual([8]);
    const served = await b!.request(CustomersWithPredictionsDocument, { first: 8 });
    expect(counters[1]).toEqual([]);
    const nodes = served.data!.customers.edges.map((e) => e.node);
    expect(nodes.flatMap((n) => n.predictions!).every((p) => p.cached)).toBe(true);
    expect(nodes).toEqual(
      computed.data!.customers.edges.map((e) => ({
        ...e.node,
        predictions: e.node.predictions!.map((p) => ({ ...p, cached: true })),
      })),
    );
  });

  it("a purchase recorded through one replica reaches the other's next reads (its near cache drops the customer)", async () => {
    const [a, b] = replicas.map((r) => r.api);
    const customer = (await a!.database.prisma.customer.findFirst({ orderBy: { id: "asc" } }))!;
    const id = String(customer.id);
    const predictionsOf = async (category?: string) =>
      (await b!.request(CustomerPredictionsDocument, { id, ...(category ? { category } : {}) })).data!
        .customer!.predictions!;
    // A category the customer buys repeatedly, read twice by b: the second read is its near cache's.
    const [staple] = await predictionsOf();
    const { category } = staple!;
    const before = await predictionsOf(category);
    expect(before.map((p) => p.cached)).toEqual([true]);
    const analysesBefore = counters[1]!.length;
    const purchasedAt = new Date();
    const today = new Date(purchasedAt.toISOString().slice(0, 10)).toISOString();
    expect(before[0]!.lastPurchasedAt).not.toBe(today);
    const recorded = await a!.request(
      RecordPurchaseDocument,
      {
        input: {
          customerId: id,
          purchasedAt: purchasedAt.toISOString(),
          items: [{ sku: staple!.usualProducts[0]!.sku, quantity: 1 }],
        },
      },
      { as: "ingest" },
    );
    expect(recorded.errors).toBeUndefined();
    // The invalidation travels over Redis pub/sub: wait for it, but never as long as the near TTL.
    const deadline = Date.now() + 5_000;
    let after = await predictionsOf(category);
    while (after[0]?.lastPurchasedAt !== today && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      after = await predictionsOf(category);
    }
    expect(after.map((p) => p.lastPurchasedAt)).toEqual([today]);
    expect(counters[1]!.length).toBe(analysesBefore + 1); // recomputed once by b, then served from cache
  });
});

for (const provider of PROVIDERS) {
  const skip = redisSkip ?? (provider === "postgresql" ? process.env.CAI_TEST_POSTGRES_SKIP : undefined);
  (skip ? describe.skip : describe)(`a change while Redis is cut off [${provider}]`, () => {
    it("is never hidden by the entry cached before it: purchase, admin refresh, bulk import", async () => {
      const { hostname, port } = new URL(redisTestUrl());
      const proxy = await startTcpProxy(hostname, Number(port || 6379));
      const started = await startApi(provider, {
        predictions: {
          config: { redisUrl: proxy.url, cacheNamespace: testNamespace(), cacheBreakerCooldownMs: 100 },
        },
      });
      try {
        const { api } = started;
        const prisma = api.database.prisma;
        await seedDatabase(prisma, { customers: 2, days: 120, seed: 17, end: TODAY });
        const customer = (await prisma.customer.findFirst({ orderBy: { id: "asc" } }))!;
        const id = String(customer.id);
        const read = async () => {
          const response = await api.request(CustomerPredictionsDocument, { id });
          expect(response.errors).toBeUndefined();
          const predictions = response.data!.customer!.predictions!;
          expect(predictions.length).toBeGreaterThan(0);
          return predictions;
        };
        /** Reads until Redis serves the customer; every read on the way must be made at or after `since`. */
        const readUntilCached = async (since: number) => {
          for (let i = 0; i < 100; i++) {
            const predictions = await read();
            for (const p of predictions) expect(Date.parse(p.generatedAt)).toBeGreaterThanOrEqual(since);
            if (predictions.every((p) => p.cached)) return predictions;
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
          throw new Error("Redis never served the customer again");
        };
        const before = await readUntilCached(0);
        const sku = before[0]!.usualProducts[0]!.sku;

        // 1. recordPurchase while every connection to Redis is cut: the delete cannot reach it.
        proxy.block("*");
        const purchasedAt = Date.now();
        const recorded = await api.request(
          RecordPurchaseDocument,
          { input: { customerId: id, items: [{ sku, quantity: 1 }] } },
          { as: "ingest" },
        );
        expect(recorded.errors).toBeUndefined();
        proxy.unblock();
        const afterPurchase = await readUntilCached(purchasedAt);

        // 2. An admin's refresh whose new entry cannot be written to Redis.
        proxy.block("*");
        const refreshed = await api.request(
          RefreshCustomerPredictionsDocument,
          { customerId: id },
          { as: "admin" },
        );
        expect(refreshed.errors).toBeUndefined();
        proxy.unblock();
        const refreshedAt = Date.parse(refreshed.data!.refreshCustomerPredictions[0]!.generatedAt);
        expect(refreshedAt).toBeGreaterThan(Date.parse(afterPurchase[0]!.generatedAt));
        await readUntilCached(refreshedAt);

        // 3. A bulk import (the importers and the seeder) never touches the cache at all.
        const product = await prisma.product.findUniqueOrThrow({ where: { sku } });
        const importedAt = Date.now();
        await writePurchaseBatch(
          prisma,
          [],
          [
            {
              customerExternalId: customer.externalId,
              idempotencyKey: `test:import:${importedAt}`,
              purchasedAt: new Date(importedAt),
              items: [{ productId: product.id, quantity: 1, amount: 1 }],
            },
          ],
        );
        await readUntilCached(importedAt);
      } finally {
        await started.stop();
        await proxy.close();
      }
    }, 120_000);
  });
}

(redisSkip ? describe.skip : describe)("a Redis that accepts connections but answers nothing", () => {
  it("costs a bounded number of timeouts, not one per request", async () => {
    const { hostname, port } = new URL(redisTestUrl());
    const proxy = await startTcpProxy(hostname, Number(port || 6379));
    const started = await startApi("sqlite", {
      predictions: {
        config: {
          redisUrl: proxy.url,
          cacheNamespace: testNamespace(),
          cacheTimeoutMs: 100,
          cacheBreakerCooldownMs: 60_000,
          // Every read goes to Redis (the near cache would answer repeated reads from memory).
          cacheNearMaxEntries: 0,
        },
      },
    });
    try {
      const { api } = started;
      await seedDatabase(api.database.prisma, { customers: 3, days: 90, seed: 23, end: TODAY });
      const page = async () => {
        const response = await api.request(CustomersWithPredictionsDocument, { first: 3 });
        expect(response.errors).toBeUndefined();
        const predictions = response.data!.customers.edges.flatMap((e) => e.node.predictions!);
        expect(predictions.length).toBeGreaterThan(0);
        return predictions;
      };
      for (let i = 0; i < 100 && !(await page()).every((p) => p.cached); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect((await page()).every((p) => p.cached)).toBe(true);

      proxy.stall();
      // Each request reads the page from the cache and writes back what it computed: without a
      // breaker, 30 requests would send 60 operations into the silent connection, each waiting out
      // its timeout. With it, three failures open the breaker for the cool-down (a minute here).
      for (let i = 0; i < 30; i++) expect((await page()).every((p) => !p.cached)).toBe(true);
      expect(proxy.stalledChunks).toBeGreaterThan(0);
      expect(proxy.stalledChunks).toBeLessThanOrEqual(3 * 2);
    } finally {
      await started.stop();
      await proxy.close();
    }
  }, 120_000);
});

describe("a cache outage", () => {
  it("serves computed predictions, without errors, while the cache is unreachable", async () => {
    const created = await createDatabase("sqlite");
    // Nothing listens on port 1: every cache operation fails.
    const started = await startApi("sqlite", {
      database: created,
      predictions: { config: { redisUrl: "redis://127.0.0.1:1" } },
    });
    try {
      await seedDatabase(started.api.database.prisma, { customers: 3, days: 90, seed: 9, end: TODAY });
      for (let round = 0; round < 2; round++) {
        const response = await started.api.request(CustomersWithPredictionsDocument, { first: 3 });
        expect(response.errors).toBeUndefined();
        const predictions = response.data!.customers.edges.flatMap((e) => e.node.predictions!);
        expect(predictions.length).toBeGreaterThan(0);
        expect(predictions.every((p) => !p.cached)).toBe(true);
      }
    } finally {
      await started.stop();
      await created.drop();
    }
  }, 60_000);
});

describe("createPredictionRuntime", () => {
  it("uses the in-memory cache when no REDIS_URL is set", async () => {
    const created = await createDatabase("sqlite");
    const database = openDatabase(created.url);
    const runtime = createPredictionRuntime({
      config: {
        cacheMaxEntries: 2,
        cacheNamespace: "t",
        cacheNearMaxEntries: 2_000,
        cacheNearTtlSeconds: 30,
        cacheTimeoutMs: 200,
        ttlSeconds: 60,
        timeZone: "UTC",
      },
      db: database.prisma,
      provider: "sqlite",
      log: pino({ level: "silent" }),
    });
    try {
      const value = { customerId: 1, generatedAt: "", expiresAt: "", predictions: [], insights: [] };
      await runtime.cache.setMany([
        { key: "a", value },
        { key: "b", value },
        { key: "c", value },
      ]);
      // Bounded: the least recently used entry went when the third arrived.
      const [a, b, c] = await runtime.cache.getMany(["a", "b", "c"]);
      expect(a).toBeUndefined();
      // The objects themselves, not copies parsed from text: a warm read costs no JSON work.
      expect(b).toBe(value);
      expect(c).toBe(value);
    } finally {
      await runtime.close();
      await database.close();
      await created.drop();
    }
  });
});
