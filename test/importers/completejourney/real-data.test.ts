// Imports the real Complete Journey sample (../shared/data/completejourney) into both databases and
// checks the counts against an independent reading of the file. Slow by nature (about 150k rows
// through the idempotent bulk writers per database), so the timeouts are per test.
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { importCompleteJourney, type RejectedRow } from "../../../src/importers/completejourney/import";
import { projectRoot } from "../../../src/project-root";
import { describeEachDatabase } from "../../support/databases";

const DATA_DIR = path.resolve(projectRoot(), "../shared/data/completejourney");
const PRESENT = ["products.csv", "transactions.csv"].every((file) =>
  fs.existsSync(path.join(DATA_DIR, file)),
);

/** What the files hold, counted without the importer: the data has no quoted fields. */
interface Expected {
  lines: number;
  zeroQuantity: number;
  purchaseLines: number;
  baskets: number;
  households: number;
  products: number;
}

async function countFiles(): Promise<Expected> {
  const baskets = new Set<string>();
  const households = new Set<string>();
  let lines = 0;
  let zeroQuantity = 0;
  const transactions = await readColumns(path.join(DATA_DIR, "transactions.csv"));
  for await (const row of transactions) {
    lines++;
    if (Number(row.quantity) === 0) {
      zeroQuantity++;
      continue;
    }
    baskets.add(row.basket_id!);
    households.add(row.household_id!);
  }
  let products = 0;
  for await (const _ of await readColumns(path.join(DATA_DIR, "products.csv"))) products++;
  return {
    lines,
    zeroQuantity,
    purchaseLines: lines - zeroQuantity,
    baskets: baskets.size,
    households: households.size,
    products,
  };
}

async function readColumns(file: string): Promise<AsyncIterable<Record<string, string>>> {
  const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  const iterator = lines[Symbol.asyncIterator]();
  const header = ((await iterator.next()).value as string).split(",");
  return (async function* () {
    for await (const line of { [Symbol.asyncIterator]: () => iterator }) {
      if (!line) continue;
      const fields = line.split(",");
      yield Object.fromEntries(header.map((name, i) => [name, fields[i] ?? ""]));
    }
  })();
}

if (!PRESENT) {
  console.warn(
    `\n[skip] Complete Journey real-data import: no products.csv and transactions.csv in ${DATA_DIR}\n`,
  );
  // Deliberate: the sample is not part of the repository (see the brief); CI has it beside the clone.
  it.skip(`importCompleteJourney on the real sample: no data in ${DATA_DIR}`, () => {});
} else {
  let expected: Expected;
  beforeAll(async () => {
    expected = await countFiles();
  });

  describeEachDatabase("importCompleteJourney on the real sample", (handle) => {
    it("imports every purchase line, skips the zero-quantity ones and rejects none", async () => {
      // The numbers the issue states, so a changed sample shows up here rather than as a mystery.
      expect(expected).toMatchObject({ lines: 59_801, zeroQuantity: 341, purchaseLines: 59_460 });
      const rejected: RejectedRow[] = [];
      const summary = await importCompleteJourney(handle.database.prisma, DATA_DIR, {
        onRejected: (row) => rejected.push(row),
      });
      expect(rejected.slice(0, 5)).toEqual([]);
      expect(summary).toMatchObject({
        productRows: expected.products,
        transactionLines: expected.lines,
        productsCreated: expected.products,
        customersCreated: expected.households,
        purchasesCreated: expected.baskets,
        itemsCreated: expected.purchaseLines,
        skipped: expected.zeroQuantity,
        rejected: 0,
      });
      const db = handle.database.prisma;
      expect(await db.purchaseItem.count()).toBe(59_460);
      // One basket, one purchase: every basket with a purchase line, and nothing else.
      expect(await db.purchase.count()).toBe(expected.baskets);
      expect(await db.purchase.count({ where: { idempotencyKey: { startsWith: "completejourney:" } } })).toBe(
        expected.baskets,
      );
      expect(await db.customer.count()).toBe(expected.households);
    }, 300_000);

    it("adds nothing when imported a second time", async () => {
      const db = handle.database.prisma;
      const before = [await db.product.count(), await db.purchase.count(), await db.purchaseItem.count()];
      const summary = await importCompleteJourney(db, DATA_DIR);
      expect(summary).toMatchObject({
        productsCreated: 0,
        customersCreated: 0,
        purchasesCreated: 0,
        itemsCreated: 0,
        skipped: expected.zeroQuantity,
        rejected: 0,
      });
      expect([await db.product.count(), await db.purchase.count(), await db.purchaseItem.count()]).toEqual(
        before,
      );
    }, 120_000);
  });
}
