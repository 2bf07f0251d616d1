import { DayClock } from "../../src/analysis/calendar";
import { lastDayProducts, readShoppingHistory, usualProducts } from "../../src/analysis/category-series";
import type { CustomerHistory } from "../../src/analysis/contract";

const START = Date.UTC(2026, 0, 1);
const clock = new DayClock();

/** Eggs bought on the given days, one line per SKU (quantity 1 unless given). */
function eggs(purchases: Array<[day: number, ...skus: string[]]>): CustomerHistory {
  return {
    customerId: "c",
    purchases: purchases.map(([day, ...skus]) => ({
      purchasedAt: new Date(START + day * 86_400_000 + 36_000_000),
      items: skus.map((sku) => ({ sku, productName: `Eggs ${sku}`, category: "EGGS", quantity: 1 })),
    })),
  };
}

describe("readShoppingHistory", () => {
  it("keeps trip days and, per category, its distinct days and units per day", () => {
    const { tripDays, series } = readShoppingHistory(
      eggs([
        [0, "A"],
        [3, "A", "B"],
        [9, "C"],
      ]),
      clock,
      Date.UTC(2027, 0),
      20,
    );
    const first = clock.dayOf(new Date(START));
    expect(tripDays).toEqual([first, first + 3, first + 9]);
    expect(series[0]!.days).toEqual([first, first + 3, first + 9]);
    expect(series[0]!.quantities).toEqual([1, 2, 1]);
  });

  it("ignores lines without a positive quantity", () => {
    const history = eggs([[0, "A"]]);
    const withReturn = {
      ...history,
      purchases: [
        ...history.purchases,
        {
          purchasedAt: new Date(START + 5 * 86_400_000),
          items: [{ sku: "A", productName: "Eggs A", category: "EGGS", quantity: 0 }],
        },
      ],
    };
    expect(readShoppingHistory(withReturn, clock, Date.UTC(2027, 0), 20).series[0]!.days).toHaveLength(1);
  });
});

describe("usualProducts", () => {
  it("ranks by purchase days, then by the most recent, and keeps three", () => {
    // A on 3 days, B on 2 (last day 4), C on 2 (last day 5), D on 1.
    const { series } = readShoppingHistory(
      eggs([
        [0, "A", "B"],
        [1, "A", "D"],
        [4, "A", "B"],
        [5, "C"],
        [2, "C"],
      ]),
      clock,
      Date.UTC(2027, 0),
      20,
    );
    expect(usualProducts(series[0]!).map((p) => [p.sku, p.share])).toEqual([
      ["A", 0.6],
      ["C", 0.4],
      ["B", 0.4],
    ]);
    expect(lastDayProducts(series[0]!).map((p) => p.sku)).toEqual(["C"]);
  });
});

describe("lastDayProducts", () => {
  it("lists every product of the last purchase day with its own units that day, most units first", () => {
    // Day 5: A and B in one basket, A again in another: A 2 units, B 1; C (1 unit) is a tie broken by name.
    const { series } = readShoppingHistory(
      eggs([
        [0, "A", "D"],
        [5, "C", "B", "A"],
        [5, "A"],
      ]),
      clock,
      Date.UTC(2027, 0),
      20,
    );
    expect(lastDayProducts(series[0]!).map((p) => [p.sku, p.lastQuantity])).toEqual([
      ["A", 2],
      ["B", 1],
      ["C", 1],
    ]);
  });
});
