import { describeReason } from "../../src/analysis/reason";

const facts = {
  usualIntervalDays: 7.2,
  lastIntervalDays: 7.4,
  lastQuantity: 1,
  lastProductName: "Whole Milk",
  daysSinceLast: 5,
  overdueDays: 0,
  ownWeight: 0.9,
};

describe("describeReason", () => {
  it("says the rhythm and the last purchase", () => {
    expect(describeReason(facts)).toBe("buys about every 7 days; last bought 1 × Whole Milk 5 days ago");
  });

  it("mentions a purchase that lasts notably longer or shorter than usual", () => {
    expect(describeReason({ ...facts, lastQuantity: 2, lastIntervalDays: 14.1 })).toBe(
      "buys about every 7 days; last bought 2 × Whole Milk 5 days ago, enough for about 14 days",
    );
  });

  it("says when a need is overdue and when the estimate leans on other customers", () => {
    expect(describeReason({ ...facts, daysSinceLast: 9, overdueDays: 1, ownWeight: 0.3 })).toBe(
      "buys about every 7 days; last bought 1 × Whole Milk 9 days ago; 1 day overdue (few purchases yet: leans on similar customers)",
    );
  });

  it("writes short intervals with a decimal, weights with two, and today and yesterday as words", () => {
    expect(
      describeReason({
        ...facts,
        usualIntervalDays: 1.46,
        lastIntervalDays: 1.5,
        lastQuantity: 2.375,
        daysSinceLast: 0,
      }),
    ).toBe("buys about every 1.5 days; last bought 2.38 × Whole Milk today");
    expect(describeReason({ ...facts, daysSinceLast: 1 })).toContain("yesterday");
  });
});
