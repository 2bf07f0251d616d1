import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Db } from "../../../src/db/client";
import { InputError } from "../../../src/errors";
import {
  type ImportProgress,
  importCompleteJourney,
  type RejectedRow,
} from "../../../src/importers/completejourney/import";
import { describeEachDatabase } from "../../support/databases";

// Columns in another order than the real files, with extra ones, and a quoted field: the importer
// must go by header names.
const PRODUCTS = `brand,product_id,department,product_category,product_type,package_size,manufacturer_id,extra
Private,1,GROCERY,FLUID MILK PRODUCTS,FLUID MILK WHITE ONLY,1 GA,69,x
National,2,PASTRY,BREAD,BREAD:ITALIAN/FRENCH,,69,x
National,3,MISCELLANEOUS,,,,2,x
National,4,GROCERY,EGGS,EGGS - LARGE,"1 DZ, GRADE A",1,x
`;

// Basket 100 comes back on line 8, after two other baskets: with one basket per batch it is written
// in two batches and must end up whole.
const TRANSACTIONS = `household_id,basket_id,store_id,date,time,product_id,quantity,sales_value
1,100,436,2017-01-07,13:55:24,1,2,5.98
1,100,436,2017-01-07,13:55:24,2,1,2.50
1,100,436,2017-01-07,13:55:24,999,0,0
2,200,436,2017-07-01,12:00:00,3,1,1.00
2,200,436,2017-07-01,12:00:00,4,1,2.99
1,300,440,2017-11-05,09:00:00,1,1,2.99
1,100,436,2017-01-07,13:55:24,4,1,3.00
`;

// Every kind of bad row, each on a known line, between good ones.
const BAD_PRODUCTS = `product_id,manufacturer_id,department,brand,product_category,product_type,package_size
10,1,GROCERY,National,SOUP,SOUP - CANNED,10 OZ
11,1,GROCERY
,1,GROCERY,National,SOUP,SOUP - CANNED,10 OZ
12,1,GROCERY,National,SOUP,SOUP - DRY,2 OZ
`;
const BAD_TRANSACTIONS = `household_id,basket_id,store_id,date,time,product_id,quantity,sales_value
5,500,436,2017-01-07,10:00:00,10,1,1.00
5,500,436,2017-01-07,10:00:00,777,1,1.00
5,501,436,2017-02-30,10:00:00,10,1,1.00
5,502,436,2017-01-08,10:00:00,10,-1,1.00
5,503,436,2017-01-08,10:00:00,10,abc,1.00
5,504,436
5,505,436,2017-01-08,10:00:00,10,1,1"x
6,506,436,2017-01-09,10:00:00,12,1,2.00
5,500,999,2017-01-07,10:00:00,12,1,1.00
5,507,436,2017-01-10,10:00:00,11,0,0
`;

const root = fs.mkdtempSync(path.join(os.tmpdir(), "cai-cj-import-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** A new folder holding the given files. */
function folder(name: string, files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(root, `${name}-`));
  for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), text);
  return dir;
}

async function counts(db: Db) {
  return {
    products: await db.product.count(),
    customers: await db.customer.count(),
    purchases: await db.purchase.count(),
    items: await db.purchaseItem.count(),
  };
}

describeEachDatabase("importCompleteJourney", (handle) => {
  const good = () => folder("good", { "products.csv": PRODUCTS, "transactions.csv": TRANSACTIONS });
  const options = { basketsPerBatch: 1, productsPerBatch: 2 };

  it("imports products, customers, purchases and items, skipping zero-quantity lines", async () => {
    const db = handle.database.prisma;
    const progress: ImportProgress[] = [];
    const rejected: RejectedRow[] = [];
    const summary = await importCompleteJourney(db, good(), {
      ...options,
      onProgress: (p) => progress.push(p),
      onRejected: (row) => rejected.push(row),
    });

    expect(summary).toMatchObject({
      productRows: 4,
      transactionLines: 7,
      productsCreated: 4,
      customersCreated: 2,
      purchasesCreated: 3,
      itemsCreated: 6,
      skipped: 1,
      rejected: 0,
    });
    expect(rejected).toEqual([]);
    expect(await counts(db)).toEqual({ products: 4, customers: 2, purchases: 3, items: 6 });
    const bytesTotal = PRODUCTS.length + TRANSACTIONS.length;
    expect(progress.at(-1)).toEqual({ bytesDone: bytesTotal, bytesTotal, rows: 4 + 7 });
    expect(progress.map((p) => p.bytesDone)).toEqual(
      [...progress.map((p) => p.bytesDone)].sort((a, b) => a - b),
    );
  });

  it("maps households, baskets, products and New York times", async () => {
    const db = handle.database.prisma;
    const summer = await db.purchase.findUniqueOrThrow({
      where: { idempotencyKey: "completejourney:200" },
      include: { customer: true },
    });
    expect(summer.customer).toMatchObject({ externalId: "2", name: "Household 2", email: null });
    expect(summer.purchasedAt).toEqual(new Date("2017-07-01T16:00:00Z"));
    expect(summer.storeId).toBe("436");
    expect(Number(summer.total)).toBe(3.99);

    expect(await db.product.findUniqueOrThrow({ where: { sku: "4" } })).toMatchObject({
      name: "EGGS - LARGE 1 DZ, GRADE A (National)",
      category: "EGGS",
      subcategory: "EGGS - LARGE",
      brand: "National",
      packageSize: "1 DZ, GRADE A",
    });
    expect(await db.product.findUniqueOrThrow({ where: { sku: "3" } })).toMatchObject({
      category: "MISCELLANEOUS",
      subcategory: null,
    });
  });

  it("completes a basket split across batches", async () => {
    const basket = await handle.database.prisma.purchase.findUniqueOrThrow({
      where: { idempotencyKey: "completejourney:100" },
      include: { items: { include: { product: true } } },
    });
    expect(basket.items.map((item) => item.product.sku).sort()).toEqual(["1", "2", "4"]);
    expect(basket.purchasedAt).toEqual(new Date("2017-01-07T18:55:24Z"));
    expect(Number(basket.total)).toBe(11.48);
  });

  it("changes nothing when the same files are imported again", async () => {
    const db = handle.database.prisma;
    const before = await counts(db);
    const summary = await importCompleteJourney(db, good(), options);
    expect(summary).toMatchObject({
      productsCreated: 0,
      customersCreated: 0,
      purchasesCreated: 0,
      itemsCreated: 0,
      skipped: 1,
      rejected: 0,
    });
    expect(await counts(db)).toEqual(before);
    const basket = await db.purchase.findUniqueOrThrow({ where: { idempotencyKey: "completejourney:100" } });
    expect(Number(basket.total)).toBe(11.48);
  });

  it("reports bad rows with file and line, and imports the rest", async () => {
    const db = handle.database.prisma;
    const dir = folder("bad-rows", { "products.csv": BAD_PRODUCTS, "transactions.csv": BAD_TRANSACTIONS });
    const rejected: RejectedRow[] = [];
    const summary = await importCompleteJourney(db, dir, { onRejected: (row) => rejected.push(row) });

    const products = path.join(dir, "products.csv");
    const transactions = path.join(dir, "transactions.csv");
    const byLine = (a: RejectedRow, b: RejectedRow) => a.file.localeCompare(b.file) || a.line - b.line;
    expect(rejected.sort(byLine)).toEqual(
      [
        {
          file: products,
          line: 3,
          reason:
            "missing columns brand, product_category, product_type, package_size: expected 7 fields as in the header, got 3",
        },
        { file: products, line: 4, reason: "product_id: expected an id, got an empty field" },
        { file: transactions, line: 3, reason: "product 777 is not in products.csv" },
        { file: transactions, line: 4, reason: expect.stringContaining('got "2017-02-30 10:00:00"') },
        { file: transactions, line: 5, reason: 'quantity: expected a number ≥ 0, got "-1"' },
        { file: transactions, line: 6, reason: 'quantity: expected a number ≥ 0, got "abc"' },
        {
          file: transactions,
          line: 7,
          reason: expect.stringMatching(/^missing columns date, time, product_id/),
        },
        { file: transactions, line: 8, reason: expect.stringMatching(/^unreadable CSV: /) },
        {
          file: transactions,
          line: 10,
          reason: 'basket 500: store_id "999" differs from "436" on line 2',
        },
      ].sort(byLine),
    );
    expect(summary).toMatchObject({
      productRows: 4,
      transactionLines: 10,
      productsCreated: 2,
      customersCreated: 2,
      purchasesCreated: 2,
      itemsCreated: 2,
      skipped: 1,
      rejected: 9,
    });
    expect(
      (await db.purchase.findMany({ where: { customer: { externalId: { in: ["5", "6"] } } } }))
        .map((p) => p.idempotencyKey)
        .sort(),
    ).toEqual(["completejourney:500", "completejourney:506"]);
  });

  it("rejects lines that would move a basket imported earlier to another household", async () => {
    const db = handle.database.prisma;
    const before = await counts(db);
    const dir = folder("moved-basket", {
      "products.csv": PRODUCTS,
      "transactions.csv": `${TRANSACTIONS.split("\n")[0]}\n9,300,440,2017-11-05,09:00:00,2,1,1.00\n`,
    });
    const rejected: RejectedRow[] = [];
    const summary = await importCompleteJourney(db, dir, { onRejected: (row) => rejected.push(row) });
    expect(rejected).toEqual([
      {
        file: path.join(dir, "transactions.csv"),
        line: 2,
        reason: 'basket 300: household_id "9" differs from "1" in the database',
      },
    ]);
    expect(summary).toMatchObject({ rejected: 1, customersCreated: 0, itemsCreated: 0 });
    expect(await counts(db)).toEqual(before);
  });

  describe("refuses input it cannot read, writing nothing", () => {
    const cases: Array<[string, () => string, RegExp]> = [
      [
        "a missing folder",
        () => path.join(root, "nowhere"),
        /nowhere: no such folder \(expected a folder holding/,
      ],
      [
        "a missing file",
        () =>
          folder("no-transactions", {
            "products.csv":
              "product_id,department,brand,product_category,product_type,package_size\n90,X,Y,Z,W,V\n",
          }),
        /transactions\.csv: no such file$/,
      ],
      [
        "a header without a required column",
        () =>
          folder("bad-header", {
            "products.csv":
              "product_id,department,brand,product_category,product_type,package_size\n91,X,Y,Z,W,V\n",
            "transactions.csv":
              "household_id,basket_id,store_id,date,time,product_id,sales_value\n9,900,1,2017-01-01,10:00:00,91,1\n",
          }),
        /transactions\.csv: the header lacks column quantity \(expected household_id, .*; got household_id, basket_id/,
      ],
      [
        "an empty file",
        () =>
          folder("empty", {
            "products.csv": "",
            "transactions.csv": TRANSACTIONS,
          }),
        /products\.csv: empty \(expected a header row with product_id, department/,
      ],
      [
        "a folder where a file should be",
        () => {
          const dir = folder("folder-not-file", { "products.csv": PRODUCTS });
          fs.mkdirSync(path.join(dir, "transactions.csv"));
          return dir;
        },
        /transactions\.csv: is a folder, expected a CSV file/,
      ],
    ];

    it.each(cases)("%s", async (_name, dir, message) => {
      const db = handle.database.prisma;
      const before = await counts(db);
      const attempt = importCompleteJourney(db, dir());
      await expect(attempt).rejects.toThrow(InputError);
      await expect(attempt).rejects.toThrow(message);
      expect(await counts(db)).toEqual(before);
    });
  });
});
