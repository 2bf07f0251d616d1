// Migration 20261206110000_prediction_history_scorable_only on a database an earlier version filled:
// the superseded predictions no purchase can score any more (later in a cycle than a kept one, or
// closed unscored) go; each cycle's first forecast, the scored ones and the current set stay.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDatabase } from "../../src/db/client";
import { migrateDatabase, migrationsDirectory } from "../../src/db/migrate";
import { createDatabase, PROVIDERS } from "../support/databases";

const MIGRATION = "20261206110000_prediction_history_scorable_only";
const DAY = 86_400_000;
const at = (day: number) => new Date(Date.UTC(2026, 10, 1) + day * DAY);

for (const provider of PROVIDERS) {
  const skip = provider === "postgresql" ? process.env.CAI_TEST_POSTGRES_SKIP : undefined;
  (skip ? describe.skip : describe)(`migration ${MIGRATION} [${provider}]`, () => {
    it("deletes the history no purchase can score and keeps the rest", async () => {
      const created = await createDatabase(provider, { migrate: false });
      const before = fs.mkdtempSync(path.join(os.tmpdir(), "cai-migrations-"));
      try {
        // The schema as the version before this migration left it.
        fs.cpSync(migrationsDirectory(provider), before, { recursive: true });
        fs.rmSync(path.join(before, MIGRATION), { recursive: true });
        await migrateDatabase(created.url, { migrationsDir: before });
        const database = openDatabase(created.url);
        try {
          const db = database.prisma;
          const customerId = (await db.customer.create({ data: { externalId: "old", name: "Old" } })).id;
          const row = (day: number, more: Record<string, unknown>) =>
            db.prediction.create({
              data: {
                customerId,
                category: "MILK",
                nextPurchaseAt: at(day + 7),
                windowStart: at(day + 6),
                windowEnd: at(day + 8),
                confidence: 0.5,
                toleranceDays: 1,
                intervalDays: 7,
                lastPurchasedAt: at(0),
                overdue: false,
                reason: "an earlier version's row",
                usualProducts: "[]",
                source: "STATISTICAL",
                model: "statistical@old",
                generatedAt: at(day),
                expiresAt: at(day + 1),
                ...more,
              },
            });
          // An earlier cycle: scored by its purchase, and a later forecast of it closed unscored.
          const scored = await row(-10, {
            lastPurchasedAt: at(-11),
            supersededAt: at(-9),
            fulfilledAt: at(0),
            errorDays: 2,
            inWindow: false,
          });
          await row(-9, {
            lastPurchasedAt: at(-11),
            supersededAt: at(-8),
            fulfilledAt: at(0),
          });
          // The open cycle since day 0: its first forecast, two later ones, the current one.
          const first = await row(1, { supersededAt: at(2) });
          await row(2, { supersededAt: at(3) });
          await row(3, { supersededAt: at(4) });
          const current = await row(4, {});
          expect(await db.prediction.count()).toBe(6);

          const { applied } = await migrateDatabase(created.url);
          expect(applied).toEqual([MIGRATION]);
          const left = await db.prediction.findMany({ orderBy: { id: "asc" }, select: { id: true } });
          expect(left.map((p) => p.id)).toEqual([scored.id, first.id, current.id]);
        } finally {
          await database.close();
        }
      } finally {
        fs.rmSync(before, { recursive: true, force: true });
        await created.drop();
      }
    });
  });
}
