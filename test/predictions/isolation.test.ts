// One customer never fails another (issue 15, item 1), over HTTP on both databases: the ingest write
// that used to push a customer's predicted dates past year 9999 is refused; a huge quantity already
// stored only moves that customer's dates to the horizon; and an analysis or write failure injected
// for one customer leaves a page of customers, the batch refresh and customersDue serving everyone else.
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { parse } from "graphql";
import { type Analyzer, type CategoryPrior, PREDICTION_HORIZON_DAYS } from "../../src/analysis/contract";
import { HORIZON_DAYS, StatisticalAnalyzer } from "../../src/analysis/statistical-analyzer";
import {
  CustomersDueDocument,
  CustomersWithPredictionsDocument,
  RecordPurchaseDocument,
} from "../../src/client/generated/graphql";
import { seedDatabase } from "../../src/datagen/seed";
import type { AnalyzerProvider } from "../../src/predictions/serving/prediction-service";
import { describeApi, type TestApi } from "../support/api";

const DAY = 86_400_000;
const TODAY = new Date(new Date().toISOString().slice(0, 10));
const SEED = { customers: 12, days: 150, seed: 23, end: TODAY };

interface RunFields {
  id: string;
  status: "RUNNING" | "SUCCEEDED" | "FAILED";
  processed: number;
  failed: number;
}
const RefreshAll = parse(
  "mutation { refreshAllPredictions { id status processed failed } }",
) as TypedDocumentNode<{ refreshAllPredictions: RunFields }, Record<string, never>>;
const BatchRunQuery = parse(
  "query($id: ID!) { batchRun(id: $id) { id status processed failed } }",
) as TypedDocumentNode<{ batchRun: RunFields | null }, { id: string }>;

async function refreshAll(api: TestApi): Promise<RunFields> {
  const started = await api.request(RefreshAll, {}, { as: "admin" });
  expect(started.errors).toBeUndefined();
  for (;;) {
    const { data } = await api.request(
      BatchRunQuery,
      { id: started.data!.refreshAllPredictions.id },
      { as: "admin" },
    );
    if (data!.batchRun!.status !== "RUNNING") return data!.batchRun!;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Customers with purchases, in id order. */
async function shoppers(api: TestApi): Promise<number[]> {
  const rows = await api.database.prisma.customer.findMany({
    where: { purchases: { some: {} } },
    orderBy: { id: "asc" },
    select: { id: true },
  });
  return rows.map((row) => row.id);
}

/** The first page of customers with their predictions. */
function page(api: TestApi) {
  return api.request(CustomersWithPredictionsDocument, { first: 100 });
}

/** A category some customer other than `except` is predicted to need within the year (stored). */
async function dueCategoryOf(api: TestApi, except: number): Promise<string> {
  const row = await api.database.prisma.prediction.findFirstOrThrow({
    where: { supersededAt: null, customerId: { not: except } },
    orderBy: { nextPurchaseAt: "asc" },
  });
  return row.category;
}

async function storedCustomers(api: TestApi): Promise<Set<number>> {
  const rows = await api.database.prisma.prediction.findMany({
    where: { supersededAt: null },
    distinct: ["customerId"],
    select: { customerId: true },
  });
  return new Set(rows.map((row) => row.customerId));
}

/**
 * The statistical analyzer in force, on its priors with every category's interval proportional to
 * the quantity bought (elasticity 1; fitted on real baskets milk has 0.95): twelve synthetic
 * customers fit almost none, and a huge quantity would then hardly matter.
 */
function quantityProportional(serving: AnalyzerProvider): AnalyzerProvider {
  let built: { on: Analyzer; analyzer: Analyzer } | undefined;
  return {
    async current() {
      const on = await serving.current();
      if (built?.on !== on) {
        const { priors } = on as StatisticalAnalyzer;
        const proportional = (prior: CategoryPrior): CategoryPrior => ({ ...prior, quantityElasticity: 1 });
        const analyzer = new StatisticalAnalyzer({
          ...priors,
          categories: Object.fromEntries(
            Object.entries(priors.categories).map(([name, prior]) => [name, proportional(prior)]),
          ),
          fallback: proportional(priors.fallback),
          fingerprint: `${priors.fingerprint}-proportional`,
        });
        built = { on, analyzer };
      }
      return built.analyzer;
    },
  };
}

/**
 * Seeds the suite's database before its tests; the customer at `index` of those with purchases is the
 * one under attack (`prepare` sets the attack up).
 */
function seededWithVictim(api: TestApi, index: number, prepare?: (victim: number) => Promise<void>) {
  const state = { all: [] as number[], victim: 0 };
  beforeAll(async () => {
    await seedDatabase(api.database.prisma, SEED);
    state.all = await shoppers(api);
    state.victim = state.all[index]!;
    await prepare?.(state.victim);
  }, 120_000);
  return state;
}

/** The batch refresh ends SUCCEEDED with `failed` customers failed, and customersDue still answers. */
async function expectRefreshToGoOn(
  api: TestApi,
  { all, victim }: { all: number[]; victim: number },
  failed: number,
) {
  const run = await refreshAll(api);
  expect(run).toMatchObject({ status: "SUCCEEDED", processed: all.length, failed });
  expect(await storedCustomers(api)).toEqual(new Set(failed ? all.filter((id) => id !== victim) : all));
  const due = await api.request(CustomersDueDocument, {
    category: await dueCategoryOf(api, victim),
    withinDays: 365,
  });
  expect(due.errors).toBeUndefined();
  expect(due.data!.customersDue.edges.length).toBeGreaterThan(0);
}

describeApi(
  "isolation: huge quantities",
  (api) => {
    const state = seededWithVictim(api, 2);

    it("refuses 200 lines × 100,000 of one product (one line of 20,000,000 once merged) and writes nothing", async () => {
      const product = await api.database.prisma.product.findFirstOrThrow({ orderBy: { id: "asc" } });
      const purchases = await api.database.prisma.purchase.count();
      const response = await api.request(
        RecordPurchaseDocument,
        {
          input: {
            customerId: String(state.victim),
            items: Array.from({ length: 200 }, () => ({ productId: String(product.id), quantity: 100_000 })),
          },
        },
        { as: "ingest" },
      );
      expect(response.status).toBe(200);
      expect(response.errors).toEqual([
        expect.objectContaining({
          message: expect.stringMatching(
            new RegExp(`product ${product.id}: .*100000 .*per line.*20000000`, "s"),
          ),
          extensions: { code: "BAD_USER_INPUT" },
        }),
      ]);
      expect(await api.database.prisma.purchase.count()).toBe(purchases);
    });

    it("a huge quantity already stored moves only that customer's dates, to the horizon at most; the page, the refresh and customersDue serve everyone", async () => {
      // As the API accepted before the limit (or an import could write): the customer's staple bought
      // again today, 20,000,000 units at once.
      const db = api.database.prisma;
      const [staple] = await db.purchaseItem.groupBy({
        by: ["productId"],
        where: { purchase: { customerId: state.victim } },
        _count: { _all: true },
        orderBy: [{ _count: { productId: "desc" } }, { productId: "asc" }],
        take: 1,
      });
      await db.purchase.create({
        data: {
          customerId: state.victim,
          purchasedAt: new Date(Date.now() - 60_000),
          total: 1,
          items: { create: [{ productId: staple!.productId, quantity: 20_000_000, amount: 1 }] },
        },
      });

      const response = await page(api);
      expect(response.errors).toBeUndefined();
      const nodes = response.data!.customers.edges.map((edge) => edge.node);
      expect(nodes.filter((node) => node.predictions!.length > 0).map((node) => Number(node.id))).toEqual(
        state.all,
      );
      const horizon = TODAY.getTime() + (PREDICTION_HORIZON_DAYS + 1) * DAY;
      const victims = nodes.find((node) => Number(node.id) === state.victim)!.predictions!;
      // Pushed out to the farthest day the analyzer reads its distribution to ("not within a year").
      expect(Math.max(...victims.map((p) => Date.parse(p.windowEnd)))).toBeGreaterThanOrEqual(
        TODAY.getTime() + (HORIZON_DAYS - 1) * DAY,
      );
      for (const p of nodes.flatMap((node) => node.predictions!)) {
        expect(Date.parse(p.windowEnd)).toBeLessThan(horizon);
      }

      await expectRefreshToGoOn(api, state, 0);
    });
  },
  { predictions: { analyzers: quantityProportional } },
);

/** Customers (database ids as the analyzer sees them) whose analysis throws. */
const failingAnalyses = new Set<string>();

/** The serving analyzer, failing the whole batch it is given when it holds a failing customer. */
function failingFor(serving: AnalyzerProvider): AnalyzerProvider {
  return {
    async current() {
      const analyzer = await serving.current();
      return {
        version: analyzer.version,
        source: analyzer.source,
        analyze(customers, now) {
          const bad = customers.find((c) => failingAnalyses.has(c.customerId));
          if (bad) throw new Error(`injected analysis failure for customer ${bad.customerId}`);
          return analyzer.analyze(customers, now);
        },
      };
    },
  };
}

describeApi(
  "isolation: an analysis failure",
  (api) => {
    const state = seededWithVictim(api, 3, async (victim) => {
      failingAnalyses.add(String(victim));
    });
    afterAll(() => failingAnalyses.clear());

    it("fails that customer's predictions field only: everyone else on the page is served", async () => {
      const response = await page(api);
      expect(response.status).toBe(200);
      const edges = response.data!.customers.edges;
      const at = edges.findIndex((edge) => Number(edge.node.id) === state.victim);
      expect(response.errors).toEqual([
        expect.objectContaining({
          path: ["customers", "edges", at, "node", "predictions"],
          extensions: { code: "INTERNAL_SERVER_ERROR" },
        }),
      ]);
      expect(edges[at]!.node.predictions).toBeNull();
      const served = edges.filter((edge) => (edge.node.predictions?.length ?? 0) > 0);
      expect(served.map((edge) => Number(edge.node.id))).toEqual(
        state.all.filter((id) => id !== state.victim),
      );
    });

    it("the batch refresh counts that customer failed and refreshes everyone else; customersDue answers", async () => {
      await expectRefreshToGoOn(api, state, 1);
    });
  },
  { predictions: { analyzers: failingFor } },
);

/** Makes every insert of a Prediction row for that customer fail, as a bad row would. */
async function failWritesFor(api: TestApi, customerId: number): Promise<void> {
  const db = api.database.prisma;
  if (api.provider === "sqlite") {
    await db.$executeRawUnsafe(`
      CREATE TRIGGER "test_failing_write" BEFORE INSERT ON "Prediction"
      FOR EACH ROW WHEN NEW."customerId" = ${customerId}
      BEGIN SELECT RAISE(ABORT, 'injected write failure'); END`);
  } else {
    await db.$executeRawUnsafe(`
      CREATE FUNCTION "test_failing_write"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'injected write failure'; END $$`);
    await db.$executeRawUnsafe(`
      CREATE TRIGGER "test_failing_write" BEFORE INSERT ON "Prediction"
      FOR EACH ROW WHEN (NEW."customerId" = ${customerId}) EXECUTE FUNCTION "test_failing_write"()`);
  }
}

describeApi("isolation: a write failure", (api) => {
  const state = seededWithVictim(api, 1, (victim) => failWritesFor(api, victim));

  it("a page still serves everyone, and everyone else's predictions are stored", async () => {
    const response = await page(api);
    expect(response.errors).toBeUndefined();
    const served = response.data!.customers.edges.filter((edge) => edge.node.predictions!.length > 0);
    expect(served.map((edge) => Number(edge.node.id))).toEqual(state.all);
    expect(await storedCustomers(api)).toEqual(new Set(state.all.filter((id) => id !== state.victim)));
  });

  it("the batch refresh counts that customer failed and refreshes everyone else; customersDue answers", async () => {
    await expectRefreshToGoOn(api, state, 1);
  });
});
