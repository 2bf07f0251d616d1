// customersDue over HTTP on both databases, after the daily refresh stored everyone's predictions:
// ranked by probability(withinDays), highest first (ties: sooner nextPurchaseAt, then customer id),
// a page at a time; minProbability; the category in any case; an unknown one refused naming the
// closest; bad arguments refused with BAD_USER_INPUT saying what was expected and what arrived.
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { parse } from "graphql";
import { CustomersDueDocument, type CustomersDueQuery } from "../../../src/client/generated/graphql";
import { seedDatabase } from "../../../src/datagen/seed";
import { describeApi, startApi, type TestApi } from "../../support/api";

const TODAY = new Date(new Date().toISOString().slice(0, 10));
const SEED = { customers: 60, days: 200, seed: 11, end: TODAY };

type Edge = CustomersDueQuery["customersDue"]["edges"][number];

/** A customer's own prediction for the category, with its probability. */
const CustomerProbability = parse(`
  query ($id: ID!, $category: String!, $withinDays: Int!) {
    customer(id: $id) { predictions(category: $category) { nextPurchaseAt probability(withinDays: $withinDays) } }
  }
`) as TypedDocumentNode<
  { customer: { predictions: Array<{ nextPurchaseAt: string; probability: number }> | null } | null },
  { id: string; category: string; withinDays: number }
>;

/** The current predictions of every customer, as the daily refresh leaves them. */
async function seedAndRefresh(api: TestApi): Promise<void> {
  await seedDatabase(api.database.prisma, SEED);
  const ids = (await api.database.prisma.customer.findMany({ select: { id: true } })).map((c) => c.id);
  await api.predictions.service.refresh(ids);
}

/** The category most customers have a current prediction for. */
async function busiestCategory(api: TestApi): Promise<string> {
  const [top] = await api.database.prisma.prediction.groupBy({
    by: ["category"],
    where: { supersededAt: null, fulfilledAt: null },
    _count: { _all: true },
    orderBy: [{ _count: { category: "desc" } }, { category: "asc" }],
    take: 1,
  });
  return top!.category;
}

/** Every page of an audience, following endCursor. */
async function wholeAudience(
  api: TestApi,
  variables: { category: string; withinDays: number; minProbability?: number; first: number },
): Promise<Edge[]> {
  const edges: Edge[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await api.request(CustomersDueDocument, { ...variables, ...(after ? { after } : {}) });
    expect(page.errors).toBeUndefined();
    const connection = page.data!.customersDue;
    expect(connection.edges.length).toBeLessThanOrEqual(variables.first);
    edges.push(...connection.edges);
    if (!connection.pageInfo.hasNextPage) return edges;
    after = connection.pageInfo.endCursor!;
  }
}

/** Highest probability first; equal ones by the sooner day, then the lower customer id. */
function expectRanked(edges: readonly Edge[]): void {
  for (let i = 1; i < edges.length; i++) {
    const [a, b] = [edges[i - 1]!, edges[i]!];
    const key = (e: Edge) => [
      -e.node.prediction.probability,
      Date.parse(e.node.prediction.nextPurchaseAt),
      Number(e.node.customer.id),
    ];
    const [ka, kb] = [key(a), key(b)];
    const order = ka[0]! - kb[0]! || ka[1]! - kb[1]! || ka[2]! - kb[2]!;
    expect({ at: i, order: Math.sign(order) }).toEqual({ at: i, order: -1 });
  }
}

describeApi("customersDue", (api) => {
  let category = "";
  beforeAll(async () => {
    await seedAndRefresh(api);
    category = await busiestCategory(api);
  }, 120_000);

  it("lists every customer with a current prediction for the category, most likely first, a page at a time", async () => {
    const withinDays = 3;
    const edges = await wholeAudience(api, { category, withinDays, first: 7 });
    const current = await api.database.prisma.prediction.findMany({
      where: { category, supersededAt: null, fulfilledAt: null },
      select: { customerId: true },
    });
    expect(edges.map((e) => Number(e.node.customer.id)).sort((a, b) => a - b)).toEqual(
      current.map((p) => p.customerId).sort((a, b) => a - b),
    );
    expect(edges.length).toBeGreaterThan(14);
    expectRanked(edges);
    // Not merely by date: the ranking by probability differs from the order of the predicted days.
    const days = edges.map((e) => Date.parse(e.node.prediction.nextPurchaseAt));
    expect(days).not.toEqual([...days].sort((a, b) => a - b));
    for (const edge of edges) {
      expect(edge.node.prediction.category).toBe(category);
      expect(edge.node.prediction.probability).toBeGreaterThanOrEqual(0);
      expect(edge.node.prediction.probability).toBeLessThanOrEqual(1);
    }
  });

  it("the probability it ranks by is the one Customer.predictions serves for that customer", async () => {
    const withinDays = 12;
    const edges = await wholeAudience(api, { category, withinDays, first: 100 });
    expectRanked(edges);
    for (const edge of edges.slice(0, 5)) {
      // The customer's own predictions, from the cache the refresh filled.
      const response = await api.request(CustomerProbability, {
        id: edge.node.customer.id,
        category,
        withinDays,
      });
      expect(response.errors).toBeUndefined();
      const [own] = response.data!.customer!.predictions!;
      expect(own!.probability).toBe(edge.node.prediction.probability);
      expect(own!.nextPurchaseAt).toBe(edge.node.prediction.nextPurchaseAt);
    }
  });

  it("leaves out customers less likely than minProbability", async () => {
    const everyone = await wholeAudience(api, { category, withinDays: 7, first: 100 });
    const threshold = everyone[Math.floor(everyone.length / 3)]!.node.prediction.probability;
    const likely = await wholeAudience(api, { category, withinDays: 7, minProbability: threshold, first: 5 });
    expect(likely.map((e) => e.node.customer.id)).toEqual(
      everyone.filter((e) => e.node.prediction.probability >= threshold).map((e) => e.node.customer.id),
    );
    expect(likely.length).toBeLessThan(everyone.length);
    const certain = await wholeAudience(api, { category, withinDays: 7, minProbability: 1, first: 100 });
    expect(certain.every((e) => e.node.prediction.probability === 1)).toBe(true);
  });

  it("matches the category in any case and spacing", async () => {
    const exact = await wholeAudience(api, { category, withinDays: 5, first: 100 });
    const typed = await wholeAudience(api, {
      category: `  ${category.toLowerCase()} `,
      withinDays: 5,
      first: 100,
    });
    expect(typed).toEqual(exact);
  });

  it("refuses an unknown category, naming the closest known ones", async () => {
    const typo = category.slice(0, -1).toLowerCase();
    const response = await api.request(CustomersDueDocument, { category: typo, withinDays: 3 });
    expect(response.data).toBeNull();
    expect(response.errors).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(
          new RegExp(
            `^category: expected the name of a product category \\(any case\\), got "${literal(typo)}"\\. ` +
              `Did you mean "${literal(category)}"(, "[^"]+")*( or "[^"]+")?\\? The categories query lists all \\d+\\.$`,
          ),
        ),
        extensions: expect.objectContaining({ code: "BAD_USER_INPUT" }),
      }),
    ]);
  });

  it.each([
    [{ withinDays: 0 }, "withinDays: expected a whole number from 1 to 365, got 0"],
    [{ withinDays: 366 }, "withinDays: expected a whole number from 1 to 365, got 366"],
    [{ minProbability: -0.1 }, "minProbability: expected a probability from 0 to 1, got -0.1"],
    [{ minProbability: 1.5 }, "minProbability: expected a probability from 0 to 1, got 1.5"],
    [{ first: 0 }, "first must not be less than 1"],
    [
      { after: "bm90LWEtY3Vyc29y" },
      'after: expected a cursor returned by customersDue (an endCursor), got "bm90LWEtY3Vyc29y"',
    ],
    [{ category: "" }, "category must not be empty"],
  ])("refuses %j with BAD_USER_INPUT", async (variables, message) => {
    const response = await api.request(CustomersDueDocument, { category, withinDays: 3, ...variables });
    expect(response.errors).toEqual([
      expect.objectContaining({
        message: expect.stringContaining(message),
        extensions: expect.objectContaining({ code: "BAD_USER_INPUT" }),
      }),
    ]);
  });

  it("costs one SQL statement per page once the category names are known", async () => {
    await api.request(CustomersDueDocument, { category, withinDays: 3, first: 5 });
    for (const first of [5, 100]) {
      api.resetSqlCount();
      const page = await api.request(CustomersDueDocument, { category, withinDays: 3, first });
      expect(page.errors).toBeUndefined();
      expect(api.sqlCount()).toBe(1);
    }
  });
});

describe("customersDue in production (no introspection, so graphql-js's suggestions are removed)", () => {
  it("still names the closest categories", async () => {
    const { api, stop } = await startApi("sqlite", { nodeEnv: "production" });
    try {
      await seedDatabase(api.database.prisma, { ...SEED, customers: 5 });
      const response = await api.request(
        CustomersDueDocument,
        { category: "fluid milk", withinDays: 3 },
        { as: "read" },
      );
      expect(response.errors?.[0]?.message).toMatch(/Did you mean "FLUID MILK PRODUCTS"/);
    } finally {
      await stop();
    }
  }, 60_000);
});

// ---- helpers ----

function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
