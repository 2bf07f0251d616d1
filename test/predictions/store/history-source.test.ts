// Reading histories for the analyzers from both databases: seeded customers come back exactly as the
// generator made them (newest 20 baskets, or all), in the order asked for, chunk after chunk.
import type { CustomerHistory } from "../../../src/analysis/contract";
import { generateCustomers } from "../../../src/datagen/generator";
import { seedDatabase } from "../../../src/datagen/seed";
import { syntheticHistory } from "../../../src/datagen/synthetic-histories";
import {
  iterateHistories,
  loadHistories,
  type StoredHistory,
} from "../../../src/predictions/store/history-source";
import { describeEachDatabase } from "../../support/databases";

const OPTIONS = { customers: 5, days: 120, seed: 4, end: new Date("2026-01-01T00:00:00Z") };

/** What the generator made, as analyzer histories (items in a stable order for comparing). */
const generated = [...generateCustomers(OPTIONS, OPTIONS.customers)].map(syntheticHistory).map(normalised);

function normalised(history: CustomerHistory): CustomerHistory {
  return {
    customerId: history.customerId,
    purchases: history.purchases.map((p) => ({
      purchasedAt: p.purchasedAt,
      items: [...p.items].sort((a, b) => (a.sku < b.sku ? -1 : 1)),
    })),
  };
}

function withoutDatabaseId({ databaseId: _id, ...history }: StoredHistory): CustomerHistory {
  return normalised(history);
}

describeEachDatabase("history source", (handle) => {
  let ids: number[] = [];
  let emptyId = 0;
  beforeAll(async () => {
    const db = handle.database.prisma;
    await seedDatabase(db, OPTIONS);
    const rows = await db.customer.findMany({ orderBy: { externalId: "asc" }, select: { id: true } });
    ids = rows.map((row) => row.id);
    emptyId = (await db.customer.create({ data: { externalId: "zz-no-purchases", name: "Nobody" } })).id;
  });

  it("loads each customer's newest 20 purchases, oldest first, with items and categories", async () => {
    const histories = await loadHistories(handle.database.prisma, ids);
    expect(histories.map(withoutDatabaseId)).toEqual(
      generated.map((h) => ({ ...h, purchases: h.purchases.slice(-20) })),
    );
    expect(histories.map((h) => h.databaseId)).toEqual(ids);
  });

  it("loads whole histories when asked to", async () => {
    const histories = await loadHistories(handle.database.prisma, ids, {
      purchasesPerCustomer: Number.POSITIVE_INFINITY,
    });
    expect(histories.map(withoutDatabaseId)).toEqual(generated);
    expect(generated.some((h) => h.purchases.length > 20)).toBe(true);
  });

  it("answers in the order asked, once per customer, leaving out ids without a customer", async () => {
    const asked = [ids[3]!, 999_999, ids[0]!, ids[3]!, emptyId];
    const histories = await loadHistories(handle.database.prisma, asked, { purchasesPerCustomer: 3 });
    expect(histories.map((h) => h.databaseId)).toEqual([ids[3], ids[0], emptyId]);
    expect(histories.map((h) => h.purchases.length)).toEqual([3, 3, 0]);
    expect(histories[2]).toEqual({ customerId: "zz-no-purchases", databaseId: emptyId, purchases: [] });
  });

  it("walks every customer in id order, a chunk at a time", async () => {
    const seen: StoredHistory[] = [];
    for await (const history of iterateHistories(handle.database.prisma, { chunkSize: 2 }))
      seen.push(history);
    expect(seen.map((h) => h.databaseId)).toEqual([...ids, emptyId].sort((a, b) => a - b));
    const byId = new Map(seen.map((h) => [h.databaseId, h]));
    expect(ids.map((id) => withoutDatabaseId(byId.get(id)!))).toEqual(
      generated.map((h) => ({ ...h, purchases: h.purchases.slice(-20) })),
    );
  });

  it("rejects sizes it cannot use, saying what it expected", async () => {
    await expect(loadHistories(handle.database.prisma, ids, { purchasesPerCustomer: 0 })).rejects.toThrow(
      "purchasesPerCustomer: expected at least 1 (or Infinity), got 0",
    );
    await expect(iterateHistories(handle.database.prisma, { chunkSize: 0 }).next()).rejects.toThrow(
      "chunkSize: expected a whole number of at least 1, got 0",
    );
  });
});
