import {
  describeReason,
  type ReasonFacts,
  RHYTHM_SPREAD,
  reasonBasis,
  reasonStatus,
} from "../../src/analysis/reason";

/**
 * A regular milk buyer: 9 purchase days from 61 to 5 days ago (56 days: a mean interval of 7), on 12
 * trips; a usual purchase lasts 7.2 days, the last one 7.4; spread 0.3 (< 0.54: a rhythm); the cadence
 * is 40 % their own (shrunk a lot, as in a population of alike customers).
 */
const regular: ReasonFacts = {
  usualIntervalDays: 7.2,
  lastIntervalDays: 7.4,
  intervalSpread: 0.3,
  ownWeight: 0.4,
  purchaseDays: 9,
  tripDays: 12,
  daysSinceFirst: 61,
  daysSinceLast: 5,
  lastBought: [{ name: "Whole Milk", lastQuantity: 2 }],
  overdueDays: 0,
  probablyStopped: false,
};

describe("describeReason", () => {
  it("says a regular buyer's rhythm as they kept it, with the counts it comes from, and the last purchase", () => {
    expect(describeReason(regular)).toBe(
      "buys about every 7 days (9 purchase days over 56 days); last bought 5 days ago: 2 × Whole Milk",
    );
    expect(reasonBasis(regular)).toBe("rhythm");
    expect(reasonStatus(regular)).toBe("not due");
  });

  it("adds the model's expectation for the last purchase when it is off the rhythm by more than 1.25 ×", () => {
    // 14.1 / 7 = 2.01: said; 8.6 / 7 = 1.23: not.
    expect(describeReason({ ...regular, lastIntervalDays: 14.1 })).toBe(
      "buys about every 7 days (9 purchase days over 56 days); last bought 5 days ago: 2 × Whole Milk, " +
        "expected to last about 14 days",
    );
    expect(describeReason({ ...regular, lastIntervalDays: 8.6 })).not.toContain("expected");
  });

  it("says how long past due a need is, in days, then weeks, then months", () => {
    // Last bought 9 days ago on a 7-day rhythm: 2 days overdue.
    expect(describeReason({ ...regular, daysSinceFirst: 65, daysSinceLast: 9, overdueDays: 2 })).toBe(
      "buys about every 7 days (9 purchase days over 56 days); last bought 9 days ago: 2 × Whole Milk; " +
        "2 days overdue",
    );
    const overdue = (days: number) => describeReason({ ...regular, overdueDays: days });
    expect(overdue(1)).toMatch(/; 1 day overdue$/);
    expect(overdue(13)).toMatch(/; 13 days overdue$/);
    expect(overdue(20)).toMatch(/; about 3 weeks overdue$/); // 20 / 7 = 2.9
    expect(overdue(100)).toMatch(/; about 3 months overdue$/); // 100 / 30.44 = 3.3
    expect(reasonStatus({ ...regular, overdueDays: 2 })).toBe("overdue");
  });

  it("says a lapsed buyer may have stopped when the model reads the wait so", () => {
    // 28 days since the last purchase on a 7-day rhythm: 21 days overdue.
    const lapsed = {
      ...regular,
      daysSinceFirst: 84,
      daysSinceLast: 28,
      overdueDays: 21,
      probablyStopped: true,
    };
    expect(describeReason(lapsed)).toBe(
      "buys about every 7 days (9 purchase days over 56 days); last bought 28 days ago: 2 × Whole Milk; " +
        "about 3 weeks overdue: may have stopped buying this",
    );
    expect(reasonStatus(lapsed)).toBe("stopped");
    // Not yet due, nothing is given up, whatever the flag says.
    expect(reasonStatus({ ...regular, probablyStopped: true })).toBe("not due");
  });

  it("says the estimate leans on similar customers only with a single interval, however long the history", () => {
    // 2 purchase days 12 days apart among 20 trips; the usual interval is mostly the population's.
    const thin = {
      ...regular,
      purchaseDays: 2,
      tripDays: 20,
      daysSinceFirst: 17,
      usualIntervalDays: 9.4,
      lastIntervalDays: 9.4,
    };
    expect(describeReason(thin)).toBe(
      "only 2 purchase days in 20 trips (12 days apart): leans on similar customers, about every 9 days; " +
        "last bought 5 days ago: 2 × Whole Milk",
    );
    expect(reasonBasis(thin)).toBe("similar customers");
    // One interval that outweighs the population in the cadence (customers differ far more than one's
    // intervals do) is the customer's own.
    expect(
      describeReason({ ...thin, ownWeight: 0.96, usualIntervalDays: 11.8, lastIntervalDays: 11.8 }),
    ).toBe(
      "only 2 purchase days in 20 trips (12 days apart): about every 12 days; last bought 5 days ago: 2 × Whole Milk",
    );
    // Three purchase days over a year, however uneven, rest on the customer's own evidence.
    const yearLong = { ...regular, purchaseDays: 3, daysSinceFirst: 370, intervalSpread: 0.9 };
    expect(reasonBasis(yearLong)).toBe("frequency");
    expect(describeReason(yearLong)).not.toContain("similar customers");
  });

  it("says how often an irregular buyer buys instead of claiming a rhythm", () => {
    // Spread 0.9 > 0.54: the next interval is not within half to twice the usual one 80 % of the time.
    const irregular = { ...regular, intervalSpread: 0.9, purchaseDays: 7, tripDays: 20, daysSinceFirst: 45 };
    expect(describeReason(irregular)).toBe(
      "buys irregularly: 7 purchase days in the last 45 days (7 of 20 trips); last bought 5 days ago: 2 × Whole Milk",
    );
    expect(reasonBasis(irregular)).toBe("frequency");
    expect(reasonBasis({ ...irregular, intervalSpread: RHYTHM_SPREAD })).toBe("rhythm");
    expect(RHYTHM_SPREAD).toBeCloseTo(Math.log(2) / 1.2816, 12); // 0.5408
  });

  it("names every product of a last purchase day with several, never one name for all the units", () => {
    const two = [
      { name: "Whole Milk", lastQuantity: 2 },
      { name: "Skim Milk", lastQuantity: 1 },
    ];
    expect(describeReason({ ...regular, lastBought: two })).toBe(
      "buys about every 7 days (9 purchase days over 56 days); last bought 5 days ago: 2 × Whole Milk and 1 × Skim Milk",
    );
    const four = [
      ...two,
      { name: "Oat Drink", lastQuantity: 1 },
      { name: "Chocolate Milk", lastQuantity: 0.5 },
    ];
    expect(describeReason({ ...regular, lastBought: four })).toContain(
      "last bought 5 days ago: 2 × Whole Milk, 1 × Skim Milk and 2 other products",
    );
    expect(describeReason({ ...regular, lastBought: four.slice(0, 3) })).toContain(
      "2 × Whole Milk, 1 × Skim Milk and 1 other product",
    );
  });

  it("writes short intervals with a decimal, weights with two, and today and yesterday as words", () => {
    // 3 purchase days over 3 days: every 1.5 days.
    const daily = {
      ...regular,
      purchaseDays: 3,
      daysSinceFirst: 3,
      daysSinceLast: 0,
      usualIntervalDays: 1.46,
      lastIntervalDays: 1.5,
      lastBought: [{ name: "Bananas", lastQuantity: 2.375 }],
    };
    expect(describeReason(daily)).toBe(
      "buys about every 1.5 days (3 purchase days over 3 days); last bought today: 2.38 × Bananas",
    );
    expect(describeReason({ ...regular, daysSinceLast: 1 })).toContain("last bought yesterday:");
  });
});
