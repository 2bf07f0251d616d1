// ANALYZER=bedrock end to end: GraphQL query → loader → cache → BedrockAnalyzer → AWS SDK (SigV4,
// HTTP/2) → the local fake Bedrock Runtime. Faults of every kind must never reach a GraphQL client,
// a failed analysis is served as STATISTICAL and not cached as BEDROCK, the budget stops calls, the
// circuit breaker stops calling Bedrock while it is unwell, and Query.aiUsage tells what it cost.
import {
  AiUsageDocument,
  type AiUsageQuery,
  CustomersWithInsightsDocument,
  type PredictionFieldsFragment,
} from "../../src/client/generated/graphql";
import type { AnalyzerConfig } from "../../src/config";
import { seedDatabase } from "../../src/datagen/seed";
import { startApi, type TestApi } from "../support/api";
import { claude } from "../support/claude-stand-in";
import {
  type FakeBedrock,
  type FaultKind,
  fakeBedrockSettings,
  startFakeBedrock,
} from "../support/fake-bedrock";

const MODEL = "us.anthropic.claude-haiku-4-5-20251001-v1:0";
const TODAY = new Date(new Date().toISOString().slice(0, 10));
const DAY = 86_400_000;
/** How long a fallback analysis is kept in the tests (production: 10 minutes). */
const FALLBACK_RETRY_MS = 60_000;

// The SDK's default credential chain reads these first: dummy keys, real SigV4 signing.
process.env.AWS_ACCESS_KEY_ID = "AKIDTESTFAKEBEDROCK";
process.env.AWS_SECRET_ACCESS_KEY = "fake-secret-for-tests";

function analyzerConfig(
  fake: FakeBedrock,
  overrides: Partial<AnalyzerConfig["bedrock"]> = {},
): AnalyzerConfig {
  return {
    kind: "bedrock",
    bedrock: {
      ...fakeBedrockSettings(fake),
      maxConcurrency: 16,
      timeoutMs: 1_000,
      // Out of the way here; its own test below.
      maxCallsPerRequest: 1_000,
      retryDelayMs: 10,
      breakerFailures: 1_000,
      fallbackRetryMs: FALLBACK_RETRY_MS,
      ...overrides,
    },
  };
}

async function allPredictions(api: TestApi, pageSize = 100) {
  const nodes: Array<{ id: string; predictions: PredictionFieldsFragment[]; insights: string[] }> = [];
  const errors: unknown[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await api.request(CustomersWithInsightsDocument, {
      first: pageSize,
      ...(after ? { after } : {}),
    });
    if (page.errors) errors.push(...page.errors);
    // A customer whose predictions failed has null ones, and an error in `errors`.
    nodes.push(
      ...page.data!.customers.edges.map(({ node }) => ({
        ...node,
        predictions: node.predictions ?? [],
        insights: node.insights ?? [],
      })),
    );
    if (!page.data!.customers.pageInfo.hasNextPage) break;
    after = page.data!.customers.pageInfo.endCursor!;
  }
  return { nodes, errors };
}

async function aiUsage(api: TestApi): Promise<AiUsageQuery["aiUsage"]> {
  const response = await api.request(AiUsageDocument, {}, { as: "admin" });
  expect(response.errors).toBeUndefined();
  return response.data!.aiUsage;
}

function expectValid(p: PredictionFieldsFragment) {
  expect(["BEDROCK", "STATISTICAL"]).toContain(p.source);
  expect(Date.parse(p.windowStart)).toBeLessThanOrEqual(Date.parse(p.nextPurchaseAt));
  expect(Date.parse(p.nextPurchaseAt)).toBeLessThanOrEqual(Date.parse(p.windowEnd));
  expect(Date.parse(p.nextPurchaseAt)).toBeGreaterThanOrEqual(TODAY.getTime() - DAY);
  expect(p.confidence).toBeGreaterThanOrEqual(0);
  expect(p.confidence).toBeLessThanOrEqual(1);
  expect(p.reason.length).toBeGreaterThan(0);
}

/** A server with ANALYZER=bedrock against a fresh fake and a freshly seeded database. */
async function startBedrockApi(customers: number, overrides: Partial<AnalyzerConfig["bedrock"]> = {}) {
  const fake = await startFakeBedrock({ responder: claude });
  const started = await startApi("sqlite", { predictions: { analyzer: analyzerConfig(fake, overrides) } });
  await seedDatabase(started.api.database.prisma, { customers, days: 120, seed: 21, end: TODAY });
  await started.api.predictions.analyzers.current(); // fit priors before timing-free assertions
  return {
    fake,
    api: started.api,
    async stop() {
      await started.stop();
      await fake.close();
    },
  };
}

describe("ANALYZER=bedrock", () => {
  it("serves Claude's predictions and insights, grounded, signed, private, and accounted for", async () => {
    // A generous time limit: this test counts calls, and a retry after a slow answer would add one.
    const { fake, api, stop } = await startBedrockApi(12, { timeoutMs: 10_000 });
    try {
      const { nodes, errors } = await allPredictions(api);
      expect(errors).toEqual([]);
      const withPredictions = nodes.filter((n) => n.predictions.length);
      expect(withPredictions.length).toBeGreaterThan(5);
      for (const node of withPredictions) {
        expect(node.insights).toEqual(["Shops on a steady weekly rhythm"]);
        for (const p of node.predictions) {
          expectValid(p);
          expect(p).toMatchObject({
            source: "BEDROCK",
            model: MODEL,
            reason: "Claude: a day later than the statistics",
          });
        }
      }
      // One call per customer with predictions, each signed with the SDK's SigV4.
      expect(fake.requests).toHaveLength(withPredictions.length);
      for (const request of fake.requests) {
        expect(request.modelId).toBe(MODEL);
        expect(request.sigv4).toMatchObject({
          accessKeyId: "AKIDTESTFAKEBEDROCK",
          region: "us-east-1",
          service: "bedrock",
        });
        expect(request.toolName).toBe("record_predictions");
      }
      // Nothing identifying leaves the process: no names, e-mails, external or database ids.
      const people = await api.database.prisma.customer.findMany();
      const sent = fake.requests.map((r) => r.rawBody).join("\n");
      for (const person of people) {
        expect(sent).not.toContain(person.name);
        expect(sent).not.toContain(person.externalId);
        if (person.email) expect(sent).not.toContain(person.email);
      }
      // Each prompt names its customer only by a fresh opaque reference.
      const refs = fake.requests.map(
        (r) => /^ref (\S+);/.exec(r.promptText?.split("\n").find((l) => l.startsWith("ref ")) ?? "")?.[1],
      );
      expect(refs.every((ref) => /^r-[0-9a-f]{8}$/.test(ref ?? ""))).toBe(true);
      expect(new Set(refs).size).toBe(refs.length);

      const usage = await aiUsage(api);
      expect(usage).toMatchObject({
        analyzer: "bedrock",
        model: MODEL,
        calls: withPredictions.length,
        failedCalls: 0,
      });
      expect(usage.inputTokens).toBeGreaterThan(0);
      expect(usage.costUsd).toBeCloseTo((usage.inputTokens * 1 + usage.outputTokens * 5) / 1e6, 10);
      expect(usage.budgetLeftUsd).toBeCloseTo(100 - usage.costUsd, 10);
      expect(usage.fallbacks).toEqual([]);

      // Served from the cache now: no more calls.
      await allPredictions(api);
      expect(fake.requests).toHaveLength(withPredictions.length);
    } finally {
      await stop();
    }
  }, 60_000);

  it("with 30 % faults over 500 customers: no GraphQL errors, every prediction valid, failures not cached as BEDROCK", async () => {
    const { fake, api, stop } = await startBedrockApi(500, { timeoutMs: 1_000 });
    try {
      fake.setFaults({
        rate: 0.3,
        seed: 7,
        holdMs: 3_000,
        kinds: [
          "throttle",
          "error5xx",
          "timeout",
          "reset",
          "malformedJson",
          "nonJsonText",
          "partialJson",
          "missingTool",
          "refusal",
        ],
      });
      const { nodes, errors } = await allPredictions(api);
      expect(errors).toEqual([]);
      const predictions = nodes.flatMap((n) => n.predictions);
      expect(predictions.length).toBeGreaterThan(2_000);
      predictions.forEach(expectValid);
      const bySource = (source: string) => predictions.filter((p) => p.source === source);
      expect(bySource("BEDROCK").length).toBeGreaterThan(0);
      expect(bySource("STATISTICAL").length).toBeGreaterThan(0);
      // A fallback is kept briefly (so Claude is asked again soon), a Claude answer for the TTL.
      for (const p of bySource("STATISTICAL")) {
        expect(Date.parse(p.expiresAt) - Date.parse(p.generatedAt)).toBe(FALLBACK_RETRY_MS);
        expect(p.model).toMatch(/^statistical@/);
      }
      for (const p of bySource("BEDROCK"))
        expect(Date.parse(p.expiresAt) - Date.parse(p.generatedAt)).toBe(DAY);

      const usage = await aiUsage(api);
      expect(usage.failedCalls).toBeGreaterThan(0);
      const reasons = usage.fallbacks.map((f) => f.reason);
      for (const reason of ["malformed_output", "missing_tool", "refusal", "truncated"])
        expect(reasons).toContain(reason);
      expect(fake.stats.faults.throttle).toBeGreaterThan(0);
    } finally {
      await stop();
    }
  }, 180_000);

  it.each<[FaultKind, string, number]>([
    ["malformedJson", "malformed_output", 1],
    ["nonJsonText", "missing_tool", 1],
    ["partialJson", "truncated", 1],
    ["missingTool", "missing_tool", 1],
    ["refusal", "refusal", 1],
    ["contentFiltered", "refusal", 1],
    ["validation", "rejected", 1],
    // Retried twice (three attempts), then given up.
    ["throttle", "throttled", 3],
    ["error5xx", "server_error", 3],
    ["reset", "network", 3],
  ])(
    "a %s answer falls back to statistics with reason %s after %d call(s)",
    async (kind, reason, calls) => {
      const { fake, api, stop } = await startBedrockApi(1);
      try {
        fake.failNext(kind, 10);
        const { nodes, errors } = await allPredictions(api);
        expect(errors).toEqual([]);
        expect(nodes[0]!.predictions.length).toBeGreaterThan(0);
        expect(nodes[0]!.predictions.every((p) => p.source === "STATISTICAL")).toBe(true);
        expect(nodes[0]!.insights).toEqual([]);
        expect(fake.requests).toHaveLength(calls);
        expect((await aiUsage(api)).fallbacks).toEqual([{ reason, count: 1 }]);
      } finally {
        await stop();
      }
    },
    30_000,
  );

  it("a call that takes too long is abandoned and retried, then falls back", async () => {
    const { fake, api, stop } = await startBedrockApi(1, { timeoutMs: 200 });
    try {
      fake.failNext("timeout", 3);
      const { nodes, errors } = await allPredictions(api);
      expect(errors).toEqual([]);
      expect(nodes[0]!.predictions.every((p) => p.source === "STATISTICAL")).toBe(true);
      expect(fake.requests).toHaveLength(3);
      expect((await aiUsage(api)).fallbacks).toEqual([{ reason: "timeout", count: 1 }]);
    } finally {
      await stop();
    }
  }, 30_000);

  it("stops calling once the month's budget would be passed", async () => {
    const { fake, api, stop } = await startBedrockApi(6, { monthlyBudgetUsd: 0.000_01 });
    try {
      const { nodes, errors } = await allPredictions(api);
      expect(errors).toEqual([]);
      const predictions = nodes.flatMap((n) => n.predictions);
      expect(predictions.length).toBeGreaterThan(0);
      expect(predictions.every((p) => p.source === "STATISTICAL")).toBe(true);
      expect(fake.requests).toHaveLength(0);
      const usage = await aiUsage(api);
      expect(usage).toMatchObject({ calls: 0, costUsd: 0, budgetUsd: 0.000_01 });
      expect(usage.fallbacks).toEqual([
        { reason: "budget", count: nodes.filter((n) => n.predictions.length).length },
      ]);
    } finally {
      await stop();
    }
  }, 30_000);

  it("opens the circuit after repeated failures and stops calling Bedrock for the cool-down", async () => {
    const { fake, api, stop } = await startBedrockApi(30, {
      breakerFailures: 3,
      breakerCooldownMs: 60_000,
      maxConcurrency: 1,
    });
    try {
      fake.setFaults({ rate: 1, kinds: ["serviceUnavailable"], seed: 1 });
      const { nodes, errors } = await allPredictions(api);
      expect(errors).toEqual([]);
      const customers = nodes.filter((n) => n.predictions.length).length;
      expect(customers).toBeGreaterThan(10);
      expect(nodes.flatMap((n) => n.predictions).every((p) => p.source === "STATISTICAL")).toBe(true);
      // Three customers' calls fail (each tried three times) and open it; the rest get no call.
      expect(fake.requests.length).toBe(3 * 3);
      const fallbacks = Object.fromEntries((await aiUsage(api)).fallbacks.map((f) => [f.reason, f.count]));
      expect(fallbacks).toEqual({ server_error: 3, circuit_open: customers - 3 });
    } finally {
      await stop();
    }
  }, 60_000);

  it("asks Claude again once a fallback expires, and then serves BEDROCK", async () => {
    const { fake, api, stop } = await startBedrockApi(1, { fallbackRetryMs: 300 });
    try {
      fake.failNext("missingTool", 1);
      const first = await allPredictions(api);
      expect(first.nodes[0]!.predictions.every((p) => p.source === "STATISTICAL")).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 400));
      const second = await allPredictions(api);
      expect(second.nodes[0]!.predictions.every((p) => p.source === "BEDROCK")).toBe(true);
      expect(fake.requests).toHaveLength(2);
    } finally {
      await stop();
    }
  }, 30_000);
});
