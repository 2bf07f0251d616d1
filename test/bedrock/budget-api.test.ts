// The attack on the budget, over HTTP: one read-key request asking for 5 aliased pages of 100
// customers used to make a Claude call for each of them, whatever the budget said (measured: budget
// 5.3 with 5.22 spent → 496 calls, spend 7.09). Now a request causes at most
// BEDROCK_MAX_CALLS_PER_REQUEST calls, and the budget holds whatever the requests.
import { monthOf } from "../../src/bedrock/usage-ledger";
import { AiUsageDocument } from "../../src/client/generated/graphql";
import type { AnalyzerConfig } from "../../src/config";
import { seedDatabase } from "../../src/datagen/seed";
import { openDatabase } from "../../src/db/client";
import { encodeCursor } from "../../src/graphql/pagination";
import { startApi, type TestApi } from "../support/api";
import { claude } from "../support/claude-stand-in";
import { createDatabase } from "../support/databases";
import { type FakeBedrock, fakeBedrockSettings, startFakeBedrock } from "../support/fake-bedrock";

process.env.AWS_ACCESS_KEY_ID = "AKIDTESTFAKEBEDROCK";
process.env.AWS_SECRET_ACCESS_KEY = "fake-secret-for-tests";

const TODAY = new Date(new Date().toISOString().slice(0, 10));
const FALLBACK_RETRY_MS = 60_000;

function bedrock(fake: FakeBedrock, overrides: Partial<AnalyzerConfig["bedrock"]>): AnalyzerConfig {
  return {
    kind: "bedrock",
    bedrock: {
      ...fakeBedrockSettings(fake),
      maxConcurrency: 16,
      maxCallsPerRequest: 10,
      retryDelayMs: 10,
      fallbackRetryMs: FALLBACK_RETRY_MS,
      ...overrides,
    },
  };
}

interface Node {
  id: string;
  predictions: Array<{ source: string; generatedAt: string; expiresAt: string }>;
}

/**
 * Aliased pages of 100 customers each, with their predictions, in one request. The attack
 * sent five; the query limits now refuse more than two (each page of predictions is an estimated
 * 100 analyses), so the budget is attacked with the most a request may ask for.
 */
const PAGES = 2;
function aliasedPages(ids: number[], count = PAGES): string {
  const pages = Array.from({ length: count }, (_, page) => page).map((page) => {
    const after = page === 0 ? "" : `, after: ${JSON.stringify(encodeCursor(ids[page * 100 - 1]!))}`;
    return `p${page}: customers(first: 100${after}) { edges { node { id predictions { source generatedAt expiresAt } } } }`;
  });
  return `{ ${pages.join(" ")} }`;
}

async function send(api: TestApi, query: string) {
  return api.raw({
    body: JSON.stringify({ query }),
    headers: { "content-type": "application/json", authorization: "Bearer read-key-0123456789abcdef" },
  });
}

async function attack(api: TestApi, ids: number[]): Promise<Node[]> {
  const { status, text } = await send(api, aliasedPages(ids));
  const body = JSON.parse(text) as {
    data: Record<string, { edges: Array<{ node: Node }> }>;
    errors?: unknown;
  };
  expect(status).toBe(200);
  expect(body.errors).toBeUndefined();
  const nodes = Object.values(body.data).flatMap((page) => page.edges.map((edge) => edge.node));
  expect(new Set(nodes.map((n) => n.id)).size).toBe(PAGES * 100);
  return nodes;
}

async function usage(api: TestApi) {
  const response = await api.request(AiUsageDocument, {}, { as: "admin" });
  expect(response.errors).toBeUndefined();
  const { costUsd, calls, fallbacks } = response.data!.aiUsage;
  return { costUsd, calls, fallbacks: Object.fromEntries(fallbacks.map((f) => [f.reason, f.count])) };
}

describe("a read key against the AI budget", () => {
  let database: Awaited<ReturnType<typeof createDatabase>>;
  let ids: number[];
  let fake: FakeBedrock;

  beforeAll(async () => {
    database = await createDatabase("sqlite");
    const seeding = openDatabase(database.url);
    try {
      await seedDatabase(seeding.prisma, { customers: 500, days: 120, seed: 29, end: TODAY });
      ids = (await seeding.prisma.customer.findMany({ select: { id: true }, orderBy: { id: "asc" } })).map(
        (c) => c.id,
      );
    } finally {
      await seeding.close();
    }
    fake = await startFakeBedrock({ responder: claude });
  }, 180_000);
  afterAll(async () => {
    await fake?.close();
    await database?.drop();
  });

  it("budget 5.3 with 5.22 spent: the issue's 5 aliased pages are refused, the most allowed stay within it", async () => {
    const started = await startApi("sqlite", {
      database,
      predictions: { analyzer: bedrock(fake, { monthlyBudgetUsd: 5.3, maxCallsPerRequest: 1_000 }) },
    });
    try {
      const { api } = started;
      const at = new Date();
      await api.database.prisma.aiUsage.create({
        data: {
          at,
          month: monthOf(at),
          model: "earlier",
          inputTokens: 0,
          outputTokens: 0,
          costUsd: 5.22,
          outcome: "ok",
          latencyMs: 1,
        },
      });
      fake.clear();
      const refused = await send(api, aliasedPages(ids, 5));
      expect(refused.status).toBe(400);
      expect(JSON.parse(refused.text).errors[0].extensions.code).toBe("QUERY_TOO_COMPLEX");
      expect(fake.requests).toHaveLength(0);
      const nodes = await attack(api, ids);
      const served = nodes.filter((n) => n.predictions.length);
      expect(served.length).toBeGreaterThan(150);
      // About 0.08 left and about 0.012 reserved per call: a handful of calls, not hundreds.
      expect(fake.requests.length).toBeGreaterThan(0);
      expect(fake.requests.length).toBeLessThanOrEqual(40);
      const after = await usage(api);
      expect(after.calls).toBe(fake.requests.length + 1);
      // The fake's answers cost far less than their estimate: no overrun is allowed at all here.
      expect(after.costUsd).toBeLessThanOrEqual(5.3);
      expect(after.fallbacks.budget).toBe(served.length - fake.requests.length);
      // Statistics instead, kept briefly so Claude is asked again once the budget allows.
      const statistical = served.flatMap((n) => n.predictions).filter((p) => p.source === "STATISTICAL");
      expect(statistical.length).toBeGreaterThan(400);
      for (const p of statistical) {
        expect(Date.parse(p.expiresAt) - Date.parse(p.generatedAt)).toBe(FALLBACK_RETRY_MS);
      }
    } finally {
      await started.stop();
    }
  }, 180_000);

  it("one request makes at most BEDROCK_MAX_CALLS_PER_REQUEST calls; the rest are refined by later reads", async () => {
    const started = await startApi("sqlite", {
      database,
      predictions: { analyzer: bedrock(fake, { monthlyBudgetUsd: 1_000, fallbackRetryMs: 300 }) },
    });
    try {
      const { api } = started;
      const before = await usage(api);
      fake.clear();
      const nodes = await attack(api, ids);
      expect(fake.requests).toHaveLength(10);
      const served = nodes.filter((n) => n.predictions.length);
      const bySource = (source: string) => served.filter((n) => n.predictions[0]!.source === source);
      expect(bySource("BEDROCK")).toHaveLength(10);
      expect(bySource("STATISTICAL")).toHaveLength(served.length - 10);
      const after = await usage(api);
      expect(after.fallbacks.request_limit).toBe((before.fallbacks.request_limit ?? 0) + served.length - 10);

      // Once the short lifetime has passed, the next request refines ten more (and no more).
      await new Promise((resolve) => setTimeout(resolve, 400));
      const again = await attack(api, ids);
      expect(fake.requests).toHaveLength(20);
      expect(again.filter((n) => n.predictions[0]?.source === "BEDROCK")).toHaveLength(20);
    } finally {
      await started.stop();
    }
  }, 180_000);
});
