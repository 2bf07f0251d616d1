// Customer.predictions end to end over HTTP: cache misses computed in one batch, hits served from the
// cache, statements per request constant in page size, probability(withinDays), invalidation and
// outcomes on recordPurchase, the admin refresh and live accuracy (the audience query:
// customers-due.test.ts).
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { parse } from "graphql";
import { PROBABILITY_DAYS } from "../../../src/analysis/contract";
import {
  CustomerPredictionsDocument,
  CustomersWithPredictionsDocument,
  PredictionAccuracyDocument,
  RecordPurchaseDocument,
  RefreshCustomerPredictionsDocument,
} from "../../../src/client/generated/graphql";
import { seedDatabase } from "../../../src/datagen/seed";
import { describeApi, type TestApi } from "../../support/api";

const DAY = 86_400_000;
const TODAY = new Date(new Date().toISOString().slice(0, 10));
const SEED = { customers: 60, days: 200, seed: 11, end: TODAY };

async function seed(api: TestApi) {
  await seedDatabase(api.database.prisma, SEED);
}

/** A customer with purchases and predictions, by database id. */
async function someCustomer(api: TestApi, skip = 0): Promise<number> {
  const customer = await api.database.prisma.customer.findFirst({
    where: { purchases: { some: {} } },
    orderBy: { id: "asc" },
    skip,
  });
  return customer!.id;
}

describeApi("Customer.predictions", (api) => {
  beforeAll(() => seed(api), 120_000);

  it("computes a customer's predictions on a miss, then serves them from the cache", async () => {
    const id = String(await someCustomer(api));
    const cold = await api.request(CustomerPredictionsDocument, { id });
    expect(cold.errors).toBeUndefined();
    const predictions = cold.data!.customer!.predictions!;
    expect(predictions.length).toBeGreaterThan(3);
    for (const p of predictions) {
      expect(p.cached).toBe(false);
      expect(p.source).toBe("STATISTICAL");
      expect(p.model).toMatch(/^statistical@/);
      expect(Date.parse(p.windowStart)).toBeLessThanOrEqual(Date.parse(p.nextPurchaseAt));
      expect(Date.parse(p.nextPurchaseAt)).toBeLessThanOrEqual(Date.parse(p.windowEnd));
      // Never a date in the past: overdue needs start today.
      expect(Date.parse(p.nextPurchaseAt)).toBeGreaterThanOrEqual(TODAY.getTime() - DAY);
      expect(p.confidence).toBeGreaterThanOrEqual(0);
      expect(p.confidence).toBeLessThanOrEqual(1);
      expect(p.intervalDays).toBeGreaterThan(0);
      expect(p.reason).toMatch(/days?/);
      expect(p.usualProducts.length).toBeGreaterThan(0);
      expect(Date.parse(p.expiresAt) - Date.parse(p.generatedAt)).toBe(86_400_000);
    }
    const soonest = predictions.map((p) => Date.parse(p.nextPurchaseAt));
    expect(soonest).toEqual([...soonest].sort((a, b) => a - b));

    const warm = await api.request(CustomerPredictionsDocument, { id });
    expect(warm.data!.customer!.predictions!).toEqual(predictions.map((p) => ({ ...p, cached: true })));
  });

  it("filters by category (case-insensitive) and by days ahead", async () => {
    const id = String(await someCustomer(api, 1));
    const all = (await api.request(CustomerPredictionsDocument, { id })).data!.customer!.predictions!;
    const category = all[0]!.category;
    const one = await api.request(CustomerPredictionsDocument, { id, category: category.toLowerCase() });
    expect(one.data!.customer!.predictions!.map((p) => p.category)).toEqual([category]);

    const soon = await api.request(CustomerPredictionsDocument, { id, withinDays: 3 });
    const limit = TODAY.getTime() + 4 * DAY;
    expect(soon.data!.customer!.predictions!).toEqual(
      all.filter((p) => Date.parse(p.nextPurchaseAt) < limit).map((p) => ({ ...p, cached: true })),
    );
  });

  it("serves probability(withinDays) from the stored knots: 0–1, never smaller for more days, and at the median day at least ½", async () => {
    const id = String(await someCustomer(api, 2));
    const ask = (withinDays: number) =>
      api.request(Probability, { id, withinDays }).then((r) => {
        expect(r.errors).toBeUndefined();
        return r.data!.customer!.predictions!;
      });
    const byDays = new Map<
      number,
      Array<{ p: number; nextPurchaseAt: string; generatedAt: string; overdue: boolean }>
    >();
    for (const days of PROBABILITY_DAYS) byDays.set(days, await ask(days));
    const categories = byDays.get(1)!.length;
    expect(categories).toBeGreaterThan(3);
    for (let i = 0; i < categories; i++) {
      const curve = PROBABILITY_DAYS.map((days) => byDays.get(days)![i]!.p);
      for (const p of curve) expect(p >= 0 && p <= 1).toBe(true);
      expect(curve).toEqual([...curve].sort((a, b) => a - b));
      // nextPurchaseAt is the median day: by the knot at or after it the purchase is at least as
      // likely as not; by the knot before it, at most.
      const { nextPurchaseAt, generatedAt, overdue } = byDays.get(1)![i]!;
      const ahead = Math.round((Date.parse(nextPurchaseAt) - Date.parse(generatedAt.slice(0, 10))) / DAY);
      // Beyond a year the day is read as now + 364 (docs/PREDICTION.md), not the median.
      if (overdue || ahead >= 364) continue;
      const after = PROBABILITY_DAYS.findIndex((d) => d >= ahead + 1);
      expect(curve[after]).toBeGreaterThanOrEqual(0.5);
      const before = PROBABILITY_DAYS.findLastIndex((d) => d <= ahead);
      if (before >= 0) expect(curve[before]).toBeLessThanOrEqual(0.5);
    }
  });

  it.each([0, 366, -5])(
    "refuses probability(withinDays: %p), saying what it expected",
    async (withinDays) => {
      const id = String(await someCustomer(api));
      const response = await api.request(Probability, { id, withinDays });
      expect(response.errors).toEqual([
        expect.objectContaining({
          message: `withinDays: expected a whole number from 1 to 365, got ${withinDays}`,
          extensions: expect.objectContaining({ code: "BAD_USER_INPUT" }),
        }),
      ]);
    },
  );

  it("refuses an unknown category with the closest names", async () => {
    const id = String(await someCustomer(api));
    const response = await api.request(CustomerPredictionsDocument, { id, category: "fluid milk prodcts" });
    expect(response.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/got "fluid milk prodcts"\. Did you mean "FLUID MILK PRODUCTS"/),
      extensions: { code: "BAD_USER_INPUT" },
    });
  });

  it("refuses a negative or huge withinDays and an overlong category with BAD_USER_INPUT", async () => {
    const id = String(await someCustomer(api));
    for (const variables of [
      { id, withinDays: -1 },
      { id, withinDays: 100_000 },
      { id, category: "x".repeat(201) },
    ]) {
      const response = await api.request(CustomerPredictionsDocument, variables);
      expect(response.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    }
  });

  it("costs the same number of SQL statements for 5 and for 50 customers, cold and warm", async () => {
    const counts: Record<string, number> = {};
    // The first analysis fits the population priors (none are stored yet): not part of a request.
    await api.predictions.analyzers.current();
    for (const first of [5, 50]) {
      // Cold: a page whose customers nobody has asked for yet.
      const after = first === 5 ? undefined : await cursorAfter(api, 5);
      api.resetSqlCount();
      const cold = await api.request(CustomersWithPredictionsDocument, {
        first,
        ...(after ? { after } : {}),
      });
      expect(cold.errors).toBeUndefined();
      counts[`cold${first}`] = api.sqlCount();
      api.resetSqlCount();
      const warm = await api.request(CustomersWithPredictionsDocument, {
        first,
        ...(after ? { after } : {}),
      });
      counts[`warm${first}`] = api.sqlCount();
      const nodes = warm.data!.customers.edges.map((e) => e.node);
      expect(nodes.every((n) => n.predictions!.every((p) => p.cached))).toBe(true);
    }
    expect(counts.cold50).toBe(counts.cold5);
    expect(counts.warm50).toBe(counts.warm5);
    // customers page (1); warm: nothing else.
    expect(counts.warm5).toBe(1);
    // Cold: the page, the history read (the baskets, then their products) and one INSERT (the
    // database's triggers supersede the previous sets in it); on PostgreSQL two statements more: the
    // INSERT goes in a transaction after the customers' write locks, so that two writers of one
    // customer take turns.
    expect(counts.cold5).toBe(api.provider === "postgresql" ? 6 : 4);
  });

  it("filters a whole page by category in one batch: warm, one SQL statement whatever the page size", async () => {
    const id = String(await someCustomer(api));
    const category = (await api.request(CustomerPredictionsDocument, { id })).data!.customer!.predictions![0]!
      .category;
    await api.request(PageByCategory, { first: 50, category });
    for (const first of [5, 50]) {
      api.resetSqlCount();
      const page = await api.request(PageByCategory, { first, category: category.toLowerCase() });
      expect(page.errors).toBeUndefined();
      expect(api.sqlCount()).toBe(1);
      const categories = page.data!.customers.edges.flatMap((e) =>
        e.node.predictions!.map((p) => p.category),
      );
      expect(new Set(categories)).toEqual(new Set([category]));
    }
  });
});

describeApi("recordPurchase and predictions", (api) => {
  beforeAll(() => seed(api), 120_000);

  it("drops the customer's cached predictions and records the outcome of the fulfilled one", async () => {
    const id = String(await someCustomer(api));
    const before = (await api.request(CustomerPredictionsDocument, { id })).data!.customer!.predictions!;
    const target = before[0]!;
    const since = new Date(Date.now() - 1_000).toISOString();

    const purchasedAt = new Date();
    const recorded = await api.request(
      RecordPurchaseDocument,
      {
        input: {
          customerId: id,
          purchasedAt: purchasedAt.toISOString(),
          items: [{ sku: target.usualProducts[0]!.sku, quantity: 1 }],
        },
      },
      { as: "ingest" },
    );
    expect(recorded.errors).toBeUndefined();

    const after = (await api.request(CustomerPredictionsDocument, { id, category: target.category })).data!
      .customer!.predictions!;
    expect(after).toHaveLength(1);
    expect(after[0]!.cached).toBe(false);
    expect(Date.parse(after[0]!.lastPurchasedAt)).toBe(
      new Date(purchasedAt.toISOString().slice(0, 10)).getTime(),
    );

    const accuracy = await api.request(PredictionAccuracyDocument, { since }, { as: "admin" });
    expect(accuracy.errors).toBeUndefined();
    const statistical = accuracy.data!.predictionAccuracy;
    expect(statistical).toHaveLength(1);
    expect(statistical[0]).toMatchObject({ source: "STATISTICAL", fulfilled: 1 });
    const errorDays = Math.abs(
      Math.floor(purchasedAt.getTime() / DAY) - Math.floor(Date.parse(target.nextPurchaseAt) / DAY),
    );
    expect(statistical[0]!.meanAbsoluteErrorDays).toBe(errorDays);
    const inWindow =
      Date.parse(target.windowStart) <= purchasedAt.getTime() &&
      purchasedAt.getTime() < Date.parse(target.windowEnd) + DAY;
    expect(statistical[0]!.windowCoverage).toBe(inWindow ? 1 : 0);
  });

  it("keeps the superseded predictions as history and exactly one current set", async () => {
    const id = await someCustomer(api);
    const db = api.database.prisma;
    const current = await db.prediction.findMany({ where: { customerId: id, supersededAt: null } });
    const categories = current.map((p) => p.category);
    expect(new Set(categories).size).toBe(categories.length);
    expect(
      await db.prediction.count({ where: { customerId: id, supersededAt: { not: null } } }),
    ).toBeGreaterThan(0);
  });

  it("predictionAccuracy is for admins only and filters by source", async () => {
    const since = new Date(0).toISOString();
    const asReader = await api.request(PredictionAccuracyDocument, { since }, { as: "read" });
    expect(asReader.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const bedrock = await api.request(
      PredictionAccuracyDocument,
      { since, source: "BEDROCK" },
      { as: "admin" },
    );
    expect(bedrock.data!.predictionAccuracy).toEqual([]);
  });
});

describeApi("refreshCustomerPredictions", (api) => {
  beforeAll(() => seed(api), 120_000);

  it("recomputes now and replaces the cache (admin only)", async () => {
    const customerId = String(await someCustomer(api));
    await api.request(CustomerPredictionsDocument, { id: customerId });
    const refreshed = await api.request(RefreshCustomerPredictionsDocument, { customerId }, { as: "admin" });
    expect(refreshed.errors).toBeUndefined();
    const fresh = refreshed.data!.refreshCustomerPredictions;
    expect(fresh.length).toBeGreaterThan(0);
    expect(fresh.every((p) => !p.cached)).toBe(true);
    const next = (await api.request(CustomerPredictionsDocument, { id: customerId })).data!.customer!
      .predictions;
    expect(next).toEqual(fresh.map((p) => ({ ...p, cached: true })));
  });

  it("answers NOT_FOUND, BAD_USER_INPUT and FORBIDDEN as it should", async () => {
    const missing = await api.request(
      RefreshCustomerPredictionsDocument,
      { customerId: "999999" },
      { as: "admin" },
    );
    expect(missing.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    const malformed = await api.request(
      RefreshCustomerPredictionsDocument,
      { customerId: "abc" },
      { as: "admin" },
    );
    expect(malformed.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const reader = await api.request(RefreshCustomerPredictionsDocument, { customerId: "1" }, { as: "read" });
    expect(reader.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });
});

// ---- helpers ----

/** A page of customers with their predictions of one category. */
const PageByCategory = parse(`
  query ($first: Int!, $category: String!) {
    customers(first: $first) { edges { node { predictions(category: $category) { category } } } }
  }
`) as TypedDocumentNode<
  { customers: { edges: Array<{ node: { predictions: Array<{ category: string }> | null } }> } },
  { first: number; category: string }
>;

/** A customer's predictions with their probability within some days. */
const Probability = parse(`
  query ($id: ID!, $withinDays: Int!) {
    customer(id: $id) {
      predictions { nextPurchaseAt generatedAt overdue p: probability(withinDays: $withinDays) }
    }
  }
`) as TypedDocumentNode<
  {
    customer: {
      predictions: Array<{ nextPurchaseAt: string; generatedAt: string; overdue: boolean; p: number }> | null;
    } | null;
  },
  { id: string; withinDays: number }
>;

async function cursorAfter(api: TestApi, skip: number): Promise<string> {
  const page = await api.request(CustomersWithPredictionsDocument, { first: skip });
  return page.data!.customers.pageInfo.endCursor!;
}
