// GET /metrics on the API server: Prometheus text that parses, with the metric names
// (_total counters, _seconds durations), whose numbers move with the requests made, with no customer
// id in any label; with METRICS_TOKEN it wants the token.
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { parse } from "graphql";
import { seedDatabase } from "../../src/datagen/seed";
import { describeApi, startApi, type TestApi } from "../support/api";
import { parsePrometheus } from "../support/prometheus";

const SEED = { customers: 8, days: 90, seed: 3, end: new Date(new Date().toISOString().slice(0, 10)) };

const Page = parse(
  "query MetricsPage($first: Int!) { customers(first: $first) { edges { node { id predictions { category } } } } }",
) as TypedDocumentNode<unknown, { first: number }>;

async function scrape(api: TestApi, headers: Record<string, string> = {}) {
  const response = await api.raw({ path: "/metrics", method: "GET", headers });
  return response;
}

describeApi("GET /metrics", (api) => {
  beforeAll(() => seedDatabase(api.database.prisma, SEED), 120_000);

  it("parses as Prometheus text with the service's metrics, named the Prometheus way", async () => {
    const response = await scrape(api);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const metrics = parsePrometheus(response.text);
    expect(Object.fromEntries([...metrics.types].filter(([name]) => name.startsWith("cai_")))).toEqual({
      cai_graphql_request_duration_seconds: "histogram",
      cai_graphql_errors_total: "counter",
      cai_prediction_cache_hits_total: "counter",
      cai_prediction_cache_misses_total: "counter",
      cai_analyses_total: "counter",
      cai_analysis_duration_seconds: "histogram",
      cai_bedrock_calls_total: "counter",
      cai_bedrock_tokens_total: "counter",
      cai_bedrock_cost_usd_total: "counter",
      cai_bedrock_fallbacks_total: "counter",
      cai_refresh_customers_total: "counter",
      cai_refresh_chunks_total: "counter",
      cai_refresh_progress_ratio: "gauge",
    });
    // Node's own, for memory and CPU per process.
    expect(metrics.types.get("process_resident_memory_bytes")).toBe("gauge");
  });

  it("moves when requests are made, by operation, error code, cache and analysis source", async () => {
    const before = parsePrometheus((await scrape(api)).text);
    const requests = (name: string) =>
      metricsNow.value("cai_graphql_request_duration_seconds_count", { operation: name });
    await api.request(Page, { first: 5 });
    await api.request(Page, { first: 5 });
    const refused = await api.request(Page, { first: 0 });
    expect(refused.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const metricsNow = parsePrometheus((await scrape(api)).text);
    expect(requests("MetricsPage")).toBe(3);
    expect(
      metricsNow.value("cai_graphql_errors_total", { code: "BAD_USER_INPUT" }) -
        before.value("cai_graphql_errors_total", { code: "BAD_USER_INPUT" }),
    ).toBe(1);
    // The first page computed 5 customers (misses), the second read them back (hits).
    expect(
      metricsNow.value("cai_prediction_cache_misses_total") -
        before.value("cai_prediction_cache_misses_total"),
    ).toBe(5);
    expect(
      metricsNow.value("cai_prediction_cache_hits_total") - before.value("cai_prediction_cache_hits_total"),
    ).toBe(5);
    expect(metricsNow.value("cai_analyses_total", { source: "STATISTICAL" })).toBeGreaterThanOrEqual(5);
    expect(
      metricsNow.value("cai_analysis_duration_seconds_count", { source: "STATISTICAL" }),
    ).toBeGreaterThan(0);
  });

  it("puts no customer id (nor any unbounded value) in a label", async () => {
    const customers = await api.database.prisma.customer.findMany({ select: { id: true, externalId: true } });
    const ids = new Set(customers.flatMap((c) => [String(c.id), c.externalId]));
    const { samples } = parsePrometheus((await scrape(api)).text);
    const cai = samples.filter((s) => s.name.startsWith("cai_"));
    expect(cai.length).toBeGreaterThan(0);
    for (const sample of cai) {
      expect(Object.keys(sample.labels).every((label) => ALLOWED_LABELS.has(label))).toBe(true);
      // Bucket bounds ("le") are numbers by nature; every other label is a name from a small set.
      const { le: _bound, ...named } = sample.labels;
      expect(Object.values(named).some((value) => ids.has(value))).toBe(false);
    }
  });
});

const ALLOWED_LABELS = new Set([
  "operation",
  "code",
  "source",
  "outcome",
  "direction",
  "reason",
  "result",
  "state",
  "le",
]);

describe("METRICS_TOKEN", () => {
  it("refuses a scrape without the token (401) and serves one with it", async () => {
    const token = "metrics-token-0123456789abcdef";
    const { api, stop } = await startApi("sqlite", { metricsToken: token });
    try {
      expect((await scrape(api)).status).toBe(401);
      expect((await scrape(api, { authorization: "Bearer wrong-token-0123456789abcdef" })).status).toBe(401);
      const served = await scrape(api, { authorization: `Bearer ${token}` });
      expect(served.status).toBe(200);
      expect(parsePrometheus(served.text).types.get("cai_graphql_errors_total")).toBe("counter");
    } finally {
      await stop();
    }
  });
});
