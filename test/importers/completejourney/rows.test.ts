import { InputError } from "../../../src/errors";
import {
  locateColumns,
  PRODUCT_COLUMNS,
  parseProductRow,
  parseTransactionLine,
  TRANSACTION_COLUMNS,
} from "../../../src/importers/completejourney/rows";
import { formatStoreTime, storeTimeToUtc } from "../../../src/importers/completejourney/store-time";

const transactions = locateColumns("transactions.csv", [...TRANSACTION_COLUMNS], TRANSACTION_COLUMNS);
const products = locateColumns(
  "products.csv",
  [
    "product_id",
    "manufacturer_id",
    "department",
    "brand",
    "product_category",
    "product_type",
    "package_size",
  ],
  PRODUCT_COLUMNS,
);

/** A valid transactions.csv line with some fields replaced. */
function line(changes: Partial<Record<(typeof TRANSACTION_COLUMNS)[number], string>> = {}): string[] {
  const row = {
    household_id: "1",
    basket_id: "31317046240",
    store_id: "436",
    date: "2017-01-07",
    time: "13:55:24",
    product_id: "8091337",
    quantity: "2",
    sales_value: "3.22",
    ...changes,
  };
  return TRANSACTION_COLUMNS.map((column) => row[column]);
}

describe("storeTimeToUtc", () => {
  it("converts New York winter time (EST, UTC-5)", () => {
    expect(storeTimeToUtc("2017-01-07", "13:55:24")).toEqual({ utc: new Date("2017-01-07T18:55:24Z") });
  });

  it("converts New York summer time (EDT, UTC-4)", () => {
    expect(storeTimeToUtc("2017-07-01", "12:00:00")).toEqual({ utc: new Date("2017-07-01T16:00:00Z") });
  });

  it("switches offset on the DST dates themselves", () => {
    // 2017-03-12: clocks jump 02:00 EST → 03:00 EDT; 2017-11-05: 02:00 EDT → 01:00 EST.
    expect(storeTimeToUtc("2017-03-12", "01:59:59")).toEqual({ utc: new Date("2017-03-12T06:59:59Z") });
    expect(storeTimeToUtc("2017-03-12", "03:00:00")).toEqual({ utc: new Date("2017-03-12T07:00:00Z") });
    expect(storeTimeToUtc("2017-11-05", "00:30:00")).toEqual({ utc: new Date("2017-11-05T04:30:00Z") });
    expect(storeTimeToUtc("2017-11-05", "03:00:00")).toEqual({ utc: new Date("2017-11-05T08:00:00Z") });
  });

  it("reads the 01:30 that the autumn change produces twice as the second one (EST)", () => {
    expect(storeTimeToUtc("2017-11-05", "01:30:00")).toEqual({ utc: new Date("2017-11-05T06:30:00Z") });
  });

  it("rejects a time the spring change skips instead of moving it", () => {
    const result = storeTimeToUtc("2017-03-12", "02:30:00");
    expect(result).toEqual({ problem: expect.stringContaining('got "2017-03-12 02:30:00" (no such time') });
  });

  it.each([
    ["2017-02-30", "10:00:00"],
    ["2017-13-01", "10:00:00"],
    ["2017-01-01", "24:00:00"],
    ["2017-1-1", "10:00:00"],
    ["01/07/2017", "10:00:00"],
    ["", ""],
  ])("rejects %j %j", (date, time) => {
    expect(storeTimeToUtc(date, time)).toEqual({
      problem: expect.stringMatching(
        /^date\/time: expected a date YYYY-MM-DD and a time HH:MM:SS in America\/New_York, got /,
      ),
    });
  });

  it("formats an instant back to store time", () => {
    expect(formatStoreTime(new Date("2017-07-01T16:00:00Z"))).toBe("2017-07-01 12:00:00");
  });
});

describe("locateColumns", () => {
  it("finds columns in any order and ignores extra ones", () => {
    const layout = locateColumns("p.csv", ["brand", "extra", "product_id"], ["product_id", "brand"]);
    expect(layout).toEqual({ file: "p.csv", columns: { product_id: 2, brand: 0 }, width: 3 });
  });

  it("names the missing columns, what it expected and what it got", () => {
    expect(() => locateColumns("t.csv", ["household_id", "basket_id"], TRANSACTION_COLUMNS)).toThrow(
      new InputError(
        "t.csv: the header lacks columns store_id, date, time, product_id, quantity, sales_value " +
          "(expected household_id, basket_id, store_id, date, time, product_id, quantity, sales_value; " +
          "got household_id, basket_id)",
      ),
    );
  });

  it("refuses a required column that appears twice", () => {
    expect(() => locateColumns("p.csv", ["product_id", "brand", "brand"], ["product_id", "brand"])).toThrow(
      /the header repeats column brand/,
    );
  });
});

describe("parseTransactionLine", () => {
  it("maps a purchase line, with its New York time in UTC", () => {
    expect(parseTransactionLine(line(), transactions)).toEqual({
      kind: "accepted",
      value: {
        householdId: "1",
        basketId: "31317046240",
        storeId: "436",
        sku: "8091337",
        purchasedAt: new Date("2017-01-07T18:55:24Z"),
        quantity: 2,
        amount: 3.22,
      },
    });
  });

  it("reads columns by header name, not position", () => {
    const reordered = locateColumns("t.csv", [...TRANSACTION_COLUMNS].reverse(), TRANSACTION_COLUMNS);
    const outcome = parseTransactionLine(line({ quantity: "3" }).reverse(), reordered);
    expect(outcome).toMatchObject({ kind: "accepted", value: { quantity: 3, sku: "8091337" } });
  });

  it("accepts fractional quantities and an empty store", () => {
    expect(parseTransactionLine(line({ quantity: "1.5", store_id: "" }), transactions)).toMatchObject({
      kind: "accepted",
      value: { quantity: 1.5, storeId: null },
    });
  });

  it("skips zero-quantity lines (voids, coupons) without checking the rest", () => {
    expect(parseTransactionLine(line({ quantity: "0" }), transactions)).toEqual({ kind: "skipped" });
    expect(parseTransactionLine(line({ quantity: "0.0", product_id: "" }), transactions)).toEqual({
      kind: "skipped",
    });
  });

  it.each([
    ["-1", 'quantity: expected a number ≥ 0, got "-1"'],
    ["two", 'quantity: expected a number ≥ 0, got "two"'],
    ["", 'quantity: expected a number ≥ 0, got ""'],
    ["1e3", 'quantity: expected a number ≥ 0, got "1e3"'],
  ])("rejects quantity %j", (quantity, reason) => {
    expect(parseTransactionLine(line({ quantity }), transactions)).toEqual({ kind: "rejected", reason });
  });

  it("rejects a non-numeric or negative sales value", () => {
    expect(parseTransactionLine(line({ sales_value: "$3" }), transactions)).toEqual({
      kind: "rejected",
      reason: 'sales_value: expected a number ≥ 0, got "$3"',
    });
    expect(parseTransactionLine(line({ sales_value: "-3.22" }), transactions)).toMatchObject({
      kind: "rejected",
    });
  });

  it("rejects a bad date", () => {
    expect(parseTransactionLine(line({ date: "2017-02-30" }), transactions)).toEqual({
      kind: "rejected",
      reason: expect.stringContaining('got "2017-02-30 13:55:24" (you specified 30'),
    });
  });

  it("rejects an empty id", () => {
    expect(parseTransactionLine(line({ basket_id: "" }), transactions)).toEqual({
      kind: "rejected",
      reason: "basket_id: expected an id, got an empty field",
    });
  });

  it("rejects a line with missing columns, naming them", () => {
    expect(parseTransactionLine(line().slice(0, 6), transactions)).toEqual({
      kind: "rejected",
      reason: "missing columns quantity, sales_value: expected 8 fields as in the header, got 6",
    });
  });

  it("rejects a line with more fields than the header", () => {
    expect(parseTransactionLine([...line(), "x"], transactions)).toEqual({
      kind: "rejected",
      reason: "expected 8 fields as in the header, got 9",
    });
  });
});

describe("parseProductRow", () => {
  it("maps a full row", () => {
    const row = [
      "1033142",
      "69",
      "GROCERY",
      "Private",
      "FLUID MILK PRODUCTS",
      "FLUID MILK WHITE ONLY",
      "1 GA",
    ];
    expect(parseProductRow(row, products)).toEqual({
      kind: "accepted",
      value: {
        sku: "1033142",
        name: "FLUID MILK WHITE ONLY 1 GA (Private)",
        category: "FLUID MILK PRODUCTS",
        subcategory: "FLUID MILK WHITE ONLY",
        brand: "Private",
        packageSize: "1 GA",
      },
    });
  });

  it("falls back to the department when the category is empty", () => {
    expect(parseProductRow(["26081", "2", "MISCELLANEOUS", "National", "", "", ""], products)).toEqual({
      kind: "accepted",
      value: {
        sku: "26081",
        name: "MISCELLANEOUS (National)",
        category: "MISCELLANEOUS",
        subcategory: null,
        brand: "National",
        packageSize: null,
      },
    });
  });

  it("falls back to UNCATEGORIZED when category and department are empty", () => {
    expect(parseProductRow(["7", "", " ", "", "", "", ""], products)).toEqual({
      kind: "accepted",
      value: {
        sku: "7",
        name: "UNCATEGORIZED",
        category: "UNCATEGORIZED",
        subcategory: null,
        brand: null,
        packageSize: null,
      },
    });
  });

  it("rejects an empty product_id and a short row", () => {
    expect(parseProductRow(["", "2", "GROCERY", "National", "X", "Y", "Z"], products)).toEqual({
      kind: "rejected",
      reason: "product_id: expected an id, got an empty field",
    });
    expect(parseProductRow(["26081", "2", "GROCERY"], products)).toEqual({
      kind: "rejected",
      reason:
        "missing columns brand, product_category, product_type, package_size: expected 7 fields as in the header, got 3",
    });
  });
});
