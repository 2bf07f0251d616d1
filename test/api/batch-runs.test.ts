// refreshAllPredictions and batchRun over HTTP: an admin starts the batch refresh, gets the run back at
// once and polls it to the end; other callers are refused; ids are checked.
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { parse } from "graphql";
import { seedDatabase } from "../../src/datagen/seed";
import { describeApi, type TestApi } from "../support/api";

interface BatchRunFields {
  id: string;
  status: "RUNNING" | "SUCCEEDED" | "FAILED";
  trigger: string;
  startedAt: string;
  finishedAt: string | null;
  total: number;
  processed: number;
  failed: number;
  progress: number;
}

const FIELDS = "id status trigger startedAt finishedAt total processed failed progress";

const RefreshAll = parse(`mutation RefreshAll { refreshAllPredictions { ${FIELDS} } }`) as TypedDocumentNode<
  { refreshAllPredictions: BatchRunFields },
  Record<string, never>
>;

const BatchRunQuery = parse(
  `query BatchRun($id: ID!) { batchRun(id: $id) { ${FIELDS} } }`,
) as TypedDocumentNode<{ batchRun: BatchRunFields | null }, { id: string }>;

const RecentRuns = parse(
  `query RecentRuns($first: Int) { batchRuns(first: $first) { ${FIELDS} } }`,
) as TypedDocumentNode<{ batchRuns: BatchRunFields[] }, { first?: number }>;

const SEED = { customers: 30, days: 120, seed: 5, end: new Date(new Date().toISOString().slice(0, 10)) };

async function pollUntilDone(api: TestApi, id: string): Promise<BatchRunFields> {
  for (;;) {
    const { data, errors } = await api.request(BatchRunQuery, { id }, { as: "admin" });
    expect(errors).toBeUndefined();
    if (data!.batchRun!.status !== "RUNNING") return data!.batchRun!;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describeApi("batch runs", (api) => {
  let customersWithPurchases = 0;
  beforeAll(async () => {
    await seedDatabase(api.database.prisma, SEED);
    customersWithPurchases = (
      await api.database.prisma.purchase.findMany({ distinct: ["customerId"], select: { customerId: true } })
    ).length;
  }, 120_000);

  it("an admin starts the refresh, gets the run at once, and it ends SUCCEEDED", async () => {
    const response = await api.request(RefreshAll, {}, { as: "admin" });
    expect(response.errors).toBeUndefined();
    const started = response.data!.refreshAllPredictions;
    expect(started).toMatchObject({ status: "RUNNING", trigger: "API", total: customersWithPurchases });

    const done = await pollUntilDone(api, started.id);
    expect(done).toMatchObject({
      id: started.id,
      status: "SUCCEEDED",
      trigger: "API",
      total: customersWithPurchases,
      processed: customersWithPurchases,
      failed: 0,
      progress: 1,
    });
    expect(new Date(done.finishedAt!).getTime()).toBeGreaterThanOrEqual(new Date(done.startedAt).getTime());
    const current = await api.database.prisma.prediction.findMany({
      where: { supersededAt: null },
      distinct: ["customerId"],
      select: { customerId: true },
    });
    expect(current).toHaveLength(customersWithPurchases);

    // Finished: the next call starts a new run.
    const next = await api.request(RefreshAll, {}, { as: "admin" });
    expect(Number(next.data!.refreshAllPredictions.id)).toBeGreaterThan(Number(started.id));
    expect((await pollUntilDone(api, next.data!.refreshAllPredictions.id)).status).toBe("SUCCEEDED");
  });

  it("two admins starting at once never get two runs working at the same time", async () => {
    const responses = await Promise.all([
      api.request(RefreshAll, {}, { as: "admin" }),
      api.request(RefreshAll, {}, { as: "admin" }),
    ]);
    expect(responses.map((r) => r.errors)).toEqual([undefined, undefined]);
    const ids = [...new Set(responses.map((r) => r.data!.refreshAllPredictions.id))];
    const runs = [];
    for (const id of ids) runs.push(await pollUntilDone(api, id));
    expect(runs.map((r) => r.status)).toEqual(ids.map(() => "SUCCEEDED"));
    // The second request joined the first run, or (if that one had already ended) started after it.
    if (runs.length === 2) {
      const [a, b] = runs.sort((x, y) => Number(x.id) - Number(y.id));
      expect(new Date(b!.startedAt).getTime()).toBeGreaterThanOrEqual(new Date(a!.finishedAt!).getTime());
    }
  });

  it("batchRuns lists the newest runs first, as many as asked, within 1 to 100", async () => {
    const all = await api.database.prisma.batchRun.findMany({
      orderBy: { id: "desc" },
      select: { id: true },
    });
    expect(all.length).toBeGreaterThanOrEqual(2);
    const newest = await api.request(RecentRuns, {}, { as: "admin" });
    expect(newest.data!.batchRuns.map((run) => run.id)).toEqual(all.slice(0, 10).map(({ id }) => String(id)));
    const one = await api.request(RecentRuns, { first: 1 }, { as: "admin" });
    expect(one.data!.batchRuns).toEqual([
      expect.objectContaining({ id: String(all[0]!.id), status: "SUCCEEDED" }),
    ]);
    for (const first of [0, 101]) {
      const refused = await api.request(RecentRuns, { first }, { as: "admin" });
      expect(refused.errors).toEqual([expect.objectContaining({ extensions: { code: "BAD_USER_INPUT" } })]);
    }
  });

  it("refuses READ and INGEST keys with FORBIDDEN and anonymous callers with UNAUTHENTICATED", async () => {
    for (const as of ["read", "ingest"] as const) {
      for (const response of [
        await api.request(RefreshAll, {}, { as }),
        await api.request(BatchRunQuery, { id: "1" }, { as }),
        await api.request(RecentRuns, {}, { as }),
      ]) {
        expect(response.errors).toEqual([expect.objectContaining({ extensions: { code: "FORBIDDEN" } })]);
      }
    }
    for (const response of [
      await api.request(RefreshAll, {}),
      await api.request(BatchRunQuery, { id: "1" }),
      await api.request(RecentRuns, {}),
    ]) {
      expect(response.errors).toEqual([expect.objectContaining({ extensions: { code: "UNAUTHENTICATED" } })]);
    }
  });

  it("answers NOT_FOUND for an unknown run and BAD_USER_INPUT for a malformed id", async () => {
    const missing = await api.request(BatchRunQuery, { id: "999999" }, { as: "admin" });
    expect(missing.errors).toEqual([
      expect.objectContaining({ message: "No batch run with id 999999", extensions: { code: "NOT_FOUND" } }),
    ]);
    const malformed = await api.request(BatchRunQuery, { id: "abc" }, { as: "admin" });
    expect(malformed.errors).toEqual([
      expect.objectContaining({
        message: 'id: expected a whole number from 1 to 2147483647, got "abc"',
        extensions: { code: "BAD_USER_INPUT" },
      }),
    ]);
  });
});
