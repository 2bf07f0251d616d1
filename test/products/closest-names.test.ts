// Suggestions for a mistyped name: hand-checked cases.
import { closestNames, editDistance, fold } from "../../src/products/closest-names";

const CATEGORIES = [
  "BAKED BREAD/BUNS/ROLLS",
  "CHEESE",
  "EGGS",
  "FLUID MILK PRODUCTS",
  "FROZEN PIZZA",
  "MILK BY-PRODUCTS",
  "SOFT DRINKS",
];

describe("editDistance", () => {
  it.each([
    ["kitten", "sitting", 3],
    ["", "abc", 3],
    ["abc", "", 3],
    ["same", "same", 0],
    ["eggs", "egsg", 2],
    ["chese", "cheese", 1],
  ])("%p → %p takes %p edits", (a, b, edits) => {
    expect(editDistance(a, b)).toBe(edits);
  });
});

describe("closestNames", () => {
  it("puts names starting with the text first, then names containing it", () => {
    expect(closestNames("milk", CATEGORIES)).toEqual(["MILK BY-PRODUCTS", "FLUID MILK PRODUCTS", "EGGS"]);
    expect(closestNames("Fluid", CATEGORIES, 1)).toEqual(["FLUID MILK PRODUCTS"]);
  });

  it("finds a name from its words in another order", () => {
    expect(closestNames("milk fluid", CATEGORIES, 1)).toEqual(["FLUID MILK PRODUCTS"]);
  });

  it("finds a misspelt name by its edits, ignoring case and extra spaces", () => {
    expect(closestNames("  fluid  milk prodcuts ", CATEGORIES, 1)).toEqual(["FLUID MILK PRODUCTS"]);
    expect(closestNames("chese", CATEGORIES, 2)).toEqual(["CHEESE", "EGGS"]);
  });

  it("names at most `max`, and nothing when nothing is known", () => {
    expect(closestNames("x", CATEGORIES)).toHaveLength(3);
    expect(closestNames("x", [])).toEqual([]);
  });
});

describe("fold", () => {
  it("trims, lowers and collapses spaces", () => {
    expect(fold("  Fluid   MILK ")).toBe("fluid milk");
  });
});
