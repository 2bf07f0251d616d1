// The customer effect, by hand: what a customer's other categories say about one category.
import type { CategoryPrior } from "../../src/analysis/contract";
import {
  customerEffectBetween,
  NO_CUSTOMER_EFFECT,
  personalPriors,
  seriesDeviation,
} from "../../src/analysis/customer-effect";
import { UNINFORMED_PRIOR } from "../../src/analysis/priors";

// τ_k = 0.5, σ = 0.2 for every category; the customer effect τ_a = 0.3, so τ_b² = 0.25 − 0.09 = 0.16.
const prior: CategoryPrior = {
  ...UNINFORMED_PRIOR,
  mean: 2,
  between: 0.5,
  within: 0.2,
  quantityElasticity: 1,
};
const effect = { between: 0.3, customers: 100 };

describe("seriesDeviation", () => {
  it("is the mean per-unit log interval minus the category mean, with its variance around a_c", () => {
    // log lasted 2.5 after 2 units → per unit 2.5 − log 2 = 1.807; 2.2 after 1 unit → 2.2. Mean 2.003.
    const d = seriesDeviation({ logLasted: [2.5, 2.2], logQuantity: [Math.log(2), 0] }, prior, effect);
    expect(d.deviation).toBeCloseTo(0.0034, 4);
    expect(d.variance).toBeCloseTo(0.16 + 0.04 / 2, 10);
  });
});

describe("personalPriors", () => {
  it("moves a category's prior by what the customer's other categories show", () => {
    // Milk and bread: 4 intervals each, 0.3 faster (log) than their categories: v = 0.16 + 0.04/4 = 0.17.
    // Eggs, from the others: precision 1/0.09 + 2/0.17 = 22.876, mean (2 · −0.3/0.17) / 22.876 = −0.1543;
    // spread √(0.16 + 1/22.876) = 0.4513.
    const milk = { deviation: -0.3, variance: 0.17 };
    const eggs = { deviation: 0, variance: 0.2 };
    const [, , eggsPrior] = personalPriors([milk, milk, eggs], [prior, prior, prior], effect);
    expect(eggsPrior!.mean).toBeCloseTo(2 - 0.1543, 4);
    expect(eggsPrior!.between).toBeCloseTo(0.4513, 4);
  });

  it("never counts a category as evidence for itself", () => {
    // A single category has nothing else to learn from: its prior stays, with τ_b² + τ_a² = τ² as spread.
    const [only] = personalPriors([{ deviation: -1, variance: 0.17 }], [prior], effect);
    expect(only!.mean).toBe(2);
    expect(only!.between).toBeCloseTo(Math.sqrt(0.16 + 0.09), 10);
  });

  it("leaves priors alone without a customer effect", () => {
    expect(personalPriors([{ deviation: -1, variance: 0.2 }], [prior], NO_CUSTOMER_EFFECT)).toEqual([prior]);
  });
});

describe("customerEffectBetween", () => {
  it("averages latest-interval × other-category products", () => {
    // (0.4 · 0.2 + 0.1 · 0.3) / 2 pairs = 0.055 → τ_a = 0.2345
    const estimate = customerEffectBetween([
      [
        { mean: 0.3, latest: 0.4 },
        { mean: 0.2, latest: 0.1 },
      ],
    ]);
    expect(estimate.between).toBeCloseTo(0.2345, 4);
    expect(estimate.customers).toBe(1);
  });

  it("finds no effect where categories do not move together, or cannot be compared", () => {
    expect(
      customerEffectBetween([
        [
          { mean: 0.3, latest: 0.4 },
          { mean: -0.2, latest: -0.1 },
        ],
      ]).between,
    ).toBe(0);
    expect(customerEffectBetween([[{ mean: 0.3, latest: 0.4 }]])).toEqual(NO_CUSTOMER_EFFECT);
  });
});
