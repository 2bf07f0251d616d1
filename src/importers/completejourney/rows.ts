// Row-level rules of the Complete Journey CSVs: which columns each file must have, and how one line
// becomes a catalogue entry or a purchase line, is skipped, or is rejected with a reason a person can
// act on. Pure: no I/O, so every rule is testable on plain arrays of fields.
import { InputError } from "../../errors";
import type { ProductRecord } from "../../products/bulk-write";
import { storeTimeToUtc } from "./store-time";

export const TRANSACTION_COLUMNS = [
  "household_id",
  "basket_id",
  "store_id",
  "date",
  "time",
  "product_id",
  "quantity",
  "sales_value",
] as const;

/** products.csv also has manufacturer_id; nothing here uses it, so it is not required. */
export const PRODUCT_COLUMNS = [
  "product_id",
  "department",
  "brand",
  "product_category",
  "product_type",
  "package_size",
] as const;

export type TransactionColumn = (typeof TRANSACTION_COLUMNS)[number];
export type ProductColumn = (typeof PRODUCT_COLUMNS)[number];

/** Where each required column sits in a file's rows, and how many fields every row must have. */
export interface CsvLayout<C extends string> {
  file: string;
  columns: Record<C, number>;
  width: number;
}

/** One purchase line of transactions.csv, validated. */
export interface TransactionLine {
  householdId: string;
  basketId: string;
  storeId: string | null;
  sku: string;
  purchasedAt: Date;
  /** > 0 */
  quantity: number;
  amount: number;
}

export type RowOutcome<T> =
  | { kind: "accepted"; value: T }
  /** Not an error: a line the importer deliberately leaves out (zero-quantity voids and coupons). */
  | { kind: "skipped" }
  | { kind: "rejected"; reason: string };

/** The category of products whose product_category and department are both empty. */
export const UNCATEGORIZED = "UNCATEGORIZED";

/**
 * Finds the required columns in a header row (any order; extra columns are ignored).
 *
 * @example
 *   locateColumns("products.csv", ["product_id", "brand"], ["brand"])
 *   // { file: "products.csv", columns: { brand: 1 }, width: 2 }
 * @throws InputError naming the missing or repeated columns, what was expected and what the header has.
 */
export function locateColumns<C extends string>(
  file: string,
  header: readonly string[],
  required: readonly C[],
): CsvLayout<C> {
  const names = header.map((name) => name.trim());
  const missing = required.filter((name) => !names.includes(name));
  const repeated = required.filter((name) => names.indexOf(name) !== names.lastIndexOf(name));
  if (missing.length || repeated.length) {
    const problem = missing.length
      ? `lacks ${plural("column", missing)} ${missing.join(", ")}`
      : `repeats ${plural("column", repeated)} ${repeated.join(", ")}`;
    throw new InputError(
      `${file}: the header ${problem} (expected ${required.join(", ")}; got ${names.join(", ")})`,
    );
  }
  const columns = Object.fromEntries(required.map((name) => [name, names.indexOf(name)])) as Record<
    C,
    number
  >;
  return { file, columns, width: names.length };
}

/**
 * Validates one line of transactions.csv. Zero quantity (a void or coupon line: no sales value, and
 * often a product the catalogue lacks) is skipped before anything else is checked.
 *
 * @example
 *   parseTransactionLine(["1", "31317046240", "436", "2017-01-07", "13:55:24", "8091337", "2", "3.22"], layout)
 *   // { kind: "accepted", value: { householdId: "1", basketId: "31317046240", sku: "8091337",
 *   //   purchasedAt: 2017-01-07T18:55:24.000Z, quantity: 2, amount: 3.22, storeId: "436" } }
 */
export function parseTransactionLine(
  fields: readonly string[],
  layout: CsvLayout<TransactionColumn>,
): RowOutcome<TransactionLine> {
  const widthProblem = checkWidth(fields, layout);
  if (widthProblem) return rejected(widthProblem);
  const field = (name: TransactionColumn) => fields[layout.columns[name]]!.trim();

  const quantity = nonNegativeNumber("quantity", field("quantity"));
  if (typeof quantity === "string") return rejected(quantity);
  if (quantity === 0) return { kind: "skipped" };

  for (const name of ["household_id", "basket_id", "product_id"] as const) {
    if (!field(name)) return rejected(`${name}: expected an id, got an empty field`);
  }
  const amount = nonNegativeNumber("sales_value", field("sales_value"));
  if (typeof amount === "string") return rejected(amount);
  const time = storeTimeToUtc(field("date"), field("time"));
  if ("problem" in time) return rejected(time.problem);

  return {
    kind: "accepted",
    value: {
      householdId: field("household_id"),
      basketId: field("basket_id"),
      storeId: field("store_id") || null,
      sku: field("product_id"),
      purchasedAt: time.utc,
      quantity,
      amount,
    },
  };
}

/**
 * Validates one row of products.csv and maps it to a catalogue entry: category falls back to the
 * department (then UNCATEGORIZED), and the name says what there is to say about the product.
 *
 * @example
 *   parseProductRow(["1033142", "69", "GROCERY", "Private", "FLUID MILK PRODUCTS", "FLUID MILK WHITE ONLY", "1 GA"], layout)
 *   // { kind: "accepted", value: { sku: "1033142", name: "FLUID MILK WHITE ONLY 1 GA (Private)",
 *   //   category: "FLUID MILK PRODUCTS", subcategory: "FLUID MILK WHITE ONLY", brand: "Private", packageSize: "1 GA" } }
 */
export function parseProductRow(
  fields: readonly string[],
  layout: CsvLayout<ProductColumn>,
): RowOutcome<ProductRecord> {
  const widthProblem = checkWidth(fields, layout);
  if (widthProblem) return rejected(widthProblem);
  const field = (name: ProductColumn) => fields[layout.columns[name]]!.trim();

  const sku = field("product_id");
  if (!sku) return rejected("product_id: expected an id, got an empty field");
  const category = field("product_category") || field("department") || UNCATEGORIZED;
  const subcategory = field("product_type") || null;
  const brand = field("brand") || null;
  const packageSize = field("package_size") || null;
  const what = [subcategory ?? category, packageSize].filter(Boolean).join(" ");
  const name = brand ? `${what} (${brand})` : what;
  return { kind: "accepted", value: { sku, name, category, subcategory, brand, packageSize } };
}

// ---- private helpers ----

function checkWidth(fields: readonly string[], layout: CsvLayout<string>): string | undefined {
  if (fields.length === layout.width) return undefined;
  const missing = Object.entries(layout.columns)
    .filter(([, index]) => index >= fields.length)
    .map(([name]) => name);
  const expected = `expected ${layout.width} fields as in the header, got ${fields.length}`;
  return missing.length
    ? `missing ${plural("column", missing)} ${missing.join(", ")}: ${expected}`
    : expected;
}

/** The number a field holds, or the reason it holds none. Plain decimals only: no sign, no exponent. */
function nonNegativeNumber(column: string, value: string): number | string {
  if (/^\d+(\.\d+)?$/.test(value) || /^\.\d+$/.test(value)) return Number(value);
  return `${column}: expected a number ≥ 0, got ${JSON.stringify(value)}`;
}

function rejected(reason: string): RowOutcome<never> {
  return { kind: "rejected", reason };
}

function plural(word: string, items: readonly unknown[]): string {
  return items.length === 1 ? word : `${word}s`;
}
