import { BasketBatch, basketKey } from "../../../src/importers/completejourney/basket-batch";
import type { TransactionLine } from "../../../src/importers/completejourney/rows";

function line(changes: Partial<TransactionLine> = {}): TransactionLine {
  return {
    householdId: "1",
    basketId: "100",
    storeId: "436",
    sku: "8091337",
    purchasedAt: new Date("2017-01-07T18:55:24Z"),
    quantity: 2,
    amount: 3.22,
    ...changes,
  };
}

describe("BasketBatch", () => {
  it("gathers the lines of each basket into one purchase, whatever their order", () => {
    const batch = new BasketBatch();
    batch.add(line(), 2);
    batch.add(line({ basketId: "200", householdId: "2", sku: "1" }), 3);
    batch.add(line({ sku: "2", quantity: 1, amount: 1.5 }), 4);
    expect([batch.basketCount, batch.lineCount]).toEqual([2, 3]);
    expect(batch.skus()).toEqual(new Set(["8091337", "1", "2"]));

    const productIds = new Map([
      ["8091337", 10],
      ["1", 11],
      ["2", 12],
    ]);
    expect(batch.basketIds()).toEqual(["100", "200"]);
    expect(batch.toRecords({ productIds, storedBaskets: new Map() }, () => {})).toEqual({
      customers: [
        { externalId: "1", name: "Household 1" },
        { externalId: "2", name: "Household 2" },
      ],
      purchases: [
        {
          customerExternalId: "1",
          idempotencyKey: "completejourney:100",
          purchasedAt: new Date("2017-01-07T18:55:24Z"),
          storeId: "436",
          items: [
            { productId: 10, quantity: 2, amount: 3.22 },
            { productId: 12, quantity: 1, amount: 1.5 },
          ],
        },
        {
          customerExternalId: "2",
          idempotencyKey: "completejourney:200",
          purchasedAt: new Date("2017-01-07T18:55:24Z"),
          storeId: "436",
          items: [{ productId: 11, quantity: 2, amount: 3.22 }],
        },
      ],
    });
  });

  it("reports lines of unknown products by line number and drops baskets left empty", () => {
    const batch = new BasketBatch();
    batch.add(line({ sku: "known" }), 2);
    batch.add(line({ sku: "gone" }), 3);
    batch.add(line({ basketId: "200", householdId: "2", sku: "gone" }), 4);
    const rejected: Array<[number, string]> = [];
    const { customers, purchases } = batch.toRecords(
      { productIds: new Map([["known", 1]]), storedBaskets: new Map() },
      (n, reason) => rejected.push([n, reason]),
    );
    expect(rejected).toEqual([
      [3, "product gone is not in products.csv"],
      [4, "product gone is not in products.csv"],
    ]);
    expect(purchases.map((p) => p.idempotencyKey)).toEqual([basketKey("100")]);
    expect(customers.map((c) => c.externalId)).toEqual(["1"]);
  });

  it("rejects a line that contradicts its basket's first line", () => {
    const batch = new BasketBatch();
    batch.add(line(), 2);
    expect(batch.add(line({ householdId: "9" }), 3)).toBe(
      'basket 100: household_id "9" differs from "1" on line 2',
    );
    expect(batch.add(line({ purchasedAt: new Date("2017-01-07T19:00:00Z") }), 4)).toBe(
      'basket 100: date/time "2017-01-07 14:00:00" differs from "2017-01-07 13:55:24" on line 2',
    );
    expect(batch.lineCount).toBe(1);
  });

  it("rejects the lines of a basket stored earlier with another household, store or time", () => {
    const batch = new BasketBatch();
    batch.add(line(), 2);
    batch.add(line({ sku: "2" }), 3);
    batch.add(line({ basketId: "200" }), 4);
    const header = { householdId: "1", storeId: "436", purchasedAt: new Date("2017-01-07T18:55:24Z") };
    const rejected: Array<[number, string]> = [];
    const { purchases } = batch.toRecords(
      {
        productIds: new Map([
          ["8091337", 10],
          ["2", 12],
        ]),
        storedBaskets: new Map([
          ["100", { ...header, storeId: "999" }],
          ["200", header],
        ]),
      },
      (n, reason) => rejected.push([n, reason]),
    );
    const reason = 'basket 100: store_id "436" differs from "999" in the database';
    expect(rejected).toEqual([
      [2, reason],
      [3, reason],
    ]);
    expect(purchases.map((p) => p.idempotencyKey)).toEqual(["completejourney:200"]);
  });

  it("starts empty again after clear()", () => {
    const batch = new BasketBatch();
    batch.add(line(), 2);
    batch.clear();
    expect([batch.basketCount, batch.lineCount, batch.has("100")]).toEqual([0, 0, false]);
  });
});
