// One customer's cadence, by hand (docs/PREDICTION.md, "Customer estimate").
import { estimateCadence, huberLocation } from "../../src/analysis/cadence";
import type { CategoryPrior } from "../../src/analysis/contract";
import { UNINFORMED_PRIOR } from "../../src/analysis/priors";

// Prior: 10 days (log 2.3026), τ = 0.5 between customers, σ = 0.3 within one: κ = σ²/τ² = 0.36.
const prior: CategoryPrior = {
  ...UNINFORMED_PRIOR,
  mean: Math.log(10),
  between: 0.5,
  within: 0.3,
  quantityElasticity: 1,
};
const l7 = Math.log(7);

describe("estimateCadence", () => {
  it("weighs five 7-day intervals against the prior", () => {
    // Recency weights 0.5^(k/6), k = 4…0: Σw = 4.0217, Σw² = 3.3206 → n_eff = 4.871; own = 4.871 / 5.231 = 0.9312.
    // log per unit = 0.9312·log 7 + 0.0688·log 10 = 1.9705 (7.17 days). σ_c = √(4·0.09 / 8) = 0.2121;
    // predictive sd = 0.2121·√(1 + 1/5.231) = 0.2315.
    const cadence = estimateCadence(
      { logLasted: [l7, l7, l7, l7, l7], logQuantity: [0, 0, 0, 0, 0] },
      1,
      prior,
    );
    expect(cadence.ownWeight).toBeCloseTo(0.9312, 4);
    expect(cadence.logPerUnit).toBeCloseTo(1.9705, 3);
    expect(cadence.logLasted).toBeCloseTo(1.9705, 3);
    expect(cadence.logSd).toBeCloseTo(0.2315, 4);
    expect(cadence.intervals).toBe(5);
  });

  it("gives one interval the weight 1 / (1 + κ)", () => {
    const cadence = estimateCadence({ logLasted: [l7], logQuantity: [0] }, 1, prior);
    expect(cadence.ownWeight).toBeCloseTo(1 / 1.36, 10);
  });

  it("scales the last purchase's interval with its quantity (β = 1: twice the units, twice the days)", () => {
    const one = estimateCadence({ logLasted: [l7, l7], logQuantity: [0, 0] }, 1, prior);
    const two = estimateCadence({ logLasted: [l7, l7], logQuantity: [0, 0] }, 2, prior);
    expect(Math.exp(two.logLasted) / Math.exp(one.logLasted)).toBeCloseTo(2, 10);
  });

  it("reads intervals after bigger purchases per unit", () => {
    // 14 days after 2 units is 7 days per unit, like 7 days after 1.
    const mixed = estimateCadence(
      { logLasted: [l7, Math.log(14), l7], logQuantity: [0, Math.log(2), 0] },
      1,
      prior,
    );
    const plain = estimateCadence({ logLasted: [l7, l7, l7], logQuantity: [0, 0, 0] }, 1, prior);
    expect(mixed.logPerUnit).toBeCloseTo(plain.logPerUnit, 10);
  });
});

describe("huberLocation", () => {
  it("is the weighted mean of well-behaved values", () => {
    expect(huberLocation([1, 2, 3], [1, 1, 2], 10)).toBeCloseTo(2.25, 10);
  });

  it("barely moves for an outlier", () => {
    expect(huberLocation([2, 2, 2, 2, 9], [1, 1, 1, 1, 1], 0.2)).toBeLessThan(2.05);
  });
});
