// The Poisson-Gamma baseline on hand-computed cases.
import {
  MAX_SHAPE,
  MIN_CATEGORY_CUSTOMERS,
  PoissonGammaFit,
  posteriorRate,
  probabilityWithinAtRate,
  quantileDay,
} from "../../src/analysis/poisson-gamma";

/** Four customers each of (2 over 10 days), (0 over 10), (4 over 10). */
function fitted(extra: (fit: PoissonGammaFit) => void = () => {}) {
  const fit = new PoissonGammaFit();
  for (let copy = 0; copy < 4; copy++) {
    for (const repeats of [2, 0, 4]) fit.add("MILK", { repeats, exposureDays: 10 });
  }
  extra(fit);
  return fit.build();
}

describe("PoissonGammaFit (method of moments)", () => {
  it("fits α and β from the spread of the rates beyond Poisson noise", () => {
    // m = Σn / Σt = 24 / 120 = 0.2 per day; rates 0.2, 0, 0.4: mean (r − m)² = (0 + 0.04 + 0.04) / 3;
    // Poisson noise m · mean(1/t) = 0.2 · 0.1 = 0.02; Var(λ) = 0.08/3 − 0.02 = 1/150.
    // α = m² / Var = 0.04 · 150 = 6; β = m / Var = 0.2 · 150 = 30.
    const prior = fitted().prior("MILK")!;
    expect(prior.alpha).toBeCloseTo(6, 10);
    expect(prior.beta).toBeCloseTo(30, 10);
  });

  it("reads the posterior rate, probabilities, predicted day and window off it", () => {
    // A customer with 3 purchase days after the first, over 20 days: (3 + 6) / (20 + 30) = 0.18 per day.
    const rate = posteriorRate({ alpha: 6, beta: 30 }, { repeats: 3, exposureDays: 20 });
    expect(rate).toBeCloseTo(0.18, 12);
    expect(probabilityWithinAtRate(rate, 7)).toBeCloseTo(1 - Math.exp(-1.26), 12); // 0.7163
    expect(quantileDay(rate, 0.5)).toBe(3); // ⌊ln 2 / 0.18⌋ = ⌊3.85⌋
    expect(quantileDay(rate, 0.1)).toBe(0); // ⌊−ln 0.9 / 0.18⌋ = ⌊0.585⌋
    expect(quantileDay(rate, 0.9)).toBe(12); // ⌊ln 10 / 0.18⌋ = ⌊12.79⌋
    expect(quantileDay(0, 0.5)).toBe(Number.POSITIVE_INFINITY);
  });

  it("gives everyone the category's mean rate when the rates spread no more than Poisson noise", () => {
    // Ten customers with 1 purchase over 10 days: m = 0.1, no spread at all, so Var(λ) is floored at
    // m² / MAX_SHAPE: α = 1,000, β = 10,000.
    const fit = new PoissonGammaFit();
    for (let i = 0; i < 10; i++) fit.add("EGGS", { repeats: 1, exposureDays: 10 });
    const prior = fit.build().prior("EGGS")!;
    expect(prior.alpha).toBeCloseTo(MAX_SHAPE, 6);
    expect(prior.beta).toBeCloseTo(MAX_SHAPE / 0.1, 4);
  });

  it(`lends a category seen in fewer than ${MIN_CATEGORY_CUSTOMERS} customers the pooled fit`, () => {
    const priors = fitted((fit) => {
      fit.add("CAVIAR", { repeats: 1, exposureDays: 100 });
    });
    // Pooled: 13 customers, Σn = 25, Σt = 220.
    expect(priors.prior("CAVIAR")).toEqual(priors.prior("NEVER SEEN"));
    expect(priors.prior("CAVIAR")).not.toEqual(priors.prior("MILK"));
    const pooled = priors.prior("CAVIAR")!;
    expect(pooled.alpha / pooled.beta).toBeCloseTo(25 / 220, 10);
  });

  it("has no prior without data, and rejects an observation without exposure", () => {
    expect(new PoissonGammaFit().build().prior("MILK")).toBeUndefined();
    expect(() => new PoissonGammaFit().add("MILK", { repeats: 1, exposureDays: 0 })).toThrow(
      "Poisson-Gamma: expected repeats ≥ 0 and exposure > 0 days, got 1 over 0",
    );
  });
});
