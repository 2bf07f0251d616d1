// Imports the Complete Journey sample (the layout of ../shared/data/completejourney): products.csv
// into the catalogue, then transactions.csv into customers, purchases (one per basket) and their
// items. Both files are streamed, and every write is idempotent by natural keys (SKU, household id,
// "completejourney:<basket_id>", one line per product), so importing the same files again adds
// nothing and an interrupted import can simply be run again.
import fs from "node:fs";
import path from "node:path";
import { CsvError } from "csv-parse";
import { BIND_SAFE_ROWS, chunks } from "../../db/batching";
import type { Db } from "../../db/client";
import { InputError } from "../../errors";
import { findProductIds, insertMissingProducts, type ProductRecord } from "../../products/bulk-write";
import { writePurchaseBatch } from "../../purchases/bulk-write";
import { BasketBatch, type BasketHeader, basketKey } from "./basket-batch";
import { readCsvHeader, readCsvRecords } from "./csv-records";
import {
  type CsvLayout,
  locateColumns,
  PRODUCT_COLUMNS,
  type ProductColumn,
  parseProductRow,
  parseTransactionLine,
  TRANSACTION_COLUMNS,
  type TransactionColumn,
} from "./rows";

export const PRODUCTS_FILE = "products.csv";
export const TRANSACTIONS_FILE = "transactions.csv";

/** A data row left out because it is wrong; `file:line: reason` is how a person finds and fixes it. */
export interface RejectedRow {
  file: string;
  line: number;
  reason: string;
}

export interface ImportProgress {
  /** Bytes of both files processed so far. */
  bytesDone: number;
  bytesTotal: number;
  /** Data rows of both files read so far. */
  rows: number;
}

export interface ImportOptions {
  /** Called after each written batch, and once at the end with bytesDone = bytesTotal. */
  onProgress?: (progress: ImportProgress) => void;
  /** Called for every rejected row, as soon as it is known (lines of one batch come together). */
  onRejected?: (row: RejectedRow) => void;
  /** Baskets per write transaction (default 1,000). */
  basketsPerBatch?: number;
  /** Catalogue rows per write (default 5,000). */
  productsPerBatch?: number;
}

export interface ImportSummary {
  /** Data rows read from products.csv (the header not counted). */
  productRows: number;
  /** Data lines read from transactions.csv (the header not counted). */
  transactionLines: number;
  productsCreated: number;
  customersCreated: number;
  purchasesCreated: number;
  itemsCreated: number;
  /** Zero-quantity transaction lines (voids, coupons): left out on purpose, not errors. */
  skipped: number;
  /** Rows of either file left out because they are wrong (each one went to onRejected). */
  rejected: number;
  seconds: number;
  /** Rows of both files per second. */
  rowsPerSecond: number;
}

/**
 * Imports the Complete Journey CSVs of a folder. Both files and their headers are checked before
 * anything is written; after that, wrong rows are reported and skipped and the rest is imported.
 *
 * @example
 *   const summary = await importCompleteJourney(db.prisma, "../shared/data/completejourney", {
 *     onRejected: ({ file, line, reason }) => console.error(`${file}:${line}: ${reason}`),
 *   });
 *   summary.itemsCreated; // 59460 the first time, 0 the second
 * @throws InputError when the folder or a file is missing or unreadable or a header lacks a column.
 */
export async function importCompleteJourney(
  db: Db,
  dir: string,
  options: ImportOptions = {},
): Promise<ImportSummary> {
  const started = performance.now();
  const input = await openInput(dir);
  const bytesTotal = input.products.size + input.transactions.size;
  const summary: ImportSummary = {
    productRows: 0,
    transactionLines: 0,
    productsCreated: 0,
    customersCreated: 0,
    purchasesCreated: 0,
    itemsCreated: 0,
    skipped: 0,
    rejected: 0,
    seconds: 0,
    rowsPerSecond: 0,
  };
  const run: Run = {
    db,
    options,
    summary,
    reject: (file, line, reason) => {
      summary.rejected++;
      options.onRejected?.({ file, line, reason });
    },
    progress: (bytesDone) =>
      options.onProgress?.({ bytesDone, bytesTotal, rows: summary.productRows + summary.transactionLines }),
  };

  await importProducts(run, input.products);
  await importTransactions(run, input.transactions, input.products.size);

  summary.seconds = (performance.now() - started) / 1000;
  summary.rowsPerSecond = Math.round(
    (summary.productRows + summary.transactionLines) / Math.max(summary.seconds, 0.001),
  );
  return summary;
}

// ---- private helpers ----

/** Lines above this flush a batch even mid-basket, so one huge basket cannot exhaust memory. */
const MAX_LINES_PER_BATCH = 20_000;

interface Run {
  db: Db;
  options: ImportOptions;
  summary: ImportSummary;
  reject(file: string, line: number, reason: string): void;
  progress(bytesDone: number): void;
}

interface InputFile<C extends string> {
  layout: CsvLayout<C>;
  size: number;
}

async function importProducts(run: Run, { layout, size }: InputFile<ProductColumn>): Promise<void> {
  const perBatch = run.options.productsPerBatch ?? 5_000;
  let batch: ProductRecord[] = [];
  const flush = async (bytes: number) => {
    if (batch.length) run.summary.productsCreated += await insertMissingProducts(run.db, batch);
    batch = [];
    run.progress(bytes);
  };

  const records = readCsvRecords(layout.file, (line, reason) => {
    run.summary.productRows++;
    run.reject(layout.file, line, reason);
  });
  for await (const { fields, line, bytes } of records) {
    run.summary.productRows++;
    const outcome = parseProductRow(fields, layout);
    if (outcome.kind === "rejected") run.reject(layout.file, line, outcome.reason);
    else if (outcome.kind === "accepted") batch.push(outcome.value);
    if (batch.length >= perBatch) await flush(bytes);
  }
  await flush(size);
}

async function importTransactions(
  run: Run,
  { layout, size }: InputFile<TransactionColumn>,
  bytesBefore: number,
): Promise<void> {
  const perBatch = run.options.basketsPerBatch ?? 1_000;
  const batch = new BasketBatch();
  const flush = async (bytes: number) => {
    if (batch.lineCount) await writeBaskets(run, batch, layout.file);
    run.progress(bytesBefore + bytes);
  };

  const records = readCsvRecords(layout.file, (line, reason) => {
    run.summary.transactionLines++;
    run.reject(layout.file, line, reason);
  });
  for await (const { fields, line, bytes } of records) {
    run.summary.transactionLines++;
    const outcome = parseTransactionLine(fields, layout);
    if (outcome.kind === "skipped") {
      run.summary.skipped++;
      continue;
    }
    if (outcome.kind === "rejected") {
      run.reject(layout.file, line, outcome.reason);
      continue;
    }
    const full = !batch.has(outcome.value.basketId) && batch.basketCount >= perBatch;
    if (full || batch.lineCount >= MAX_LINES_PER_BATCH) await flush(bytes);
    const conflict = batch.add(outcome.value, line);
    if (conflict) run.reject(layout.file, line, conflict);
  }
  await flush(size);
}

/** Writes a batch of baskets in one transaction and empties it. */
async function writeBaskets(run: Run, batch: BasketBatch, file: string): Promise<void> {
  const known = {
    productIds: await findProductIds(run.db, batch.skus()),
    storedBaskets: await findStoredBaskets(run.db, batch.basketIds()),
  };
  const { customers, purchases } = batch.toRecords(known, (line, reason) => run.reject(file, line, reason));
  batch.clear();
  if (!purchases.length) return;
  const written = await writePurchaseBatch(run.db, customers, purchases);
  run.summary.customersCreated += written.customersCreated;
  run.summary.purchasesCreated += written.purchasesCreated;
  run.summary.itemsCreated += written.itemsCreated;
}

/** Baskets already imported (by an earlier batch or run), so a line cannot move them elsewhere. */
async function findStoredBaskets(db: Db, basketIds: readonly string[]): Promise<Map<string, BasketHeader>> {
  const idByKey = new Map(basketIds.map((id) => [basketKey(id), id]));
  const stored = new Map<string, BasketHeader>();
  for (const batch of chunks([...idByKey.keys()], BIND_SAFE_ROWS)) {
    const rows = await db.purchase.findMany({
      where: { idempotencyKey: { in: batch } },
      select: {
        idempotencyKey: true,
        storeId: true,
        purchasedAt: true,
        customer: { select: { externalId: true } },
      },
    });
    for (const row of rows) {
      stored.set(idByKey.get(row.idempotencyKey!)!, {
        householdId: row.customer.externalId,
        storeId: row.storeId,
        purchasedAt: row.purchasedAt,
      });
    }
  }
  return stored;
}

/** Checks the folder, both files and their headers before anything is written. */
async function openInput(dir: string) {
  const stat = await fs.promises.stat(dir).catch(() => undefined);
  const expected = `expected a folder holding ${PRODUCTS_FILE} and ${TRANSACTIONS_FILE}`;
  if (!stat) throw new InputError(`${dir}: no such folder (${expected})`);
  if (!stat.isDirectory()) throw new InputError(`${dir}: not a folder (${expected})`);
  return {
    products: await inspectFile(path.join(dir, PRODUCTS_FILE), PRODUCT_COLUMNS),
    transactions: await inspectFile(path.join(dir, TRANSACTIONS_FILE), TRANSACTION_COLUMNS),
  };
}

async function inspectFile<C extends string>(file: string, required: readonly C[]): Promise<InputFile<C>> {
  let header: string[] | undefined;
  try {
    header = await readCsvHeader(file);
  } catch (error) {
    throw new InputError(`${file}: ${describeReadError(error)}`);
  }
  if (!header) throw new InputError(`${file}: empty (expected a header row with ${required.join(", ")})`);
  const layout = locateColumns(file, header, required);
  return { layout, size: (await fs.promises.stat(file)).size };
}

function describeReadError(error: unknown): string {
  if (error instanceof CsvError) return `the header row is not readable CSV (${error.message})`;
  const { code, message } = error as NodeJS.ErrnoException;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES") return "cannot be read (permission denied)";
  if (code === "EISDIR") return "is a folder, expected a CSV file";
  return `cannot be read (${message})`;
}
