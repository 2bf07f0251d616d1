// Priors: the random-effects fit recovers the parameters of a population drawn from the model, the
// customer's own intervals and the prior are weighed as documented (shrinkage), and the customer effect
// carries what one category says about another.
import type { CategoryPrior, CustomerHistory, PopulationPriors } from "../../src/analysis/contract";
import { NO_CUSTOMER_EFFECT } from "../../src/analysis/customer-effect";
import { EMPTY_PRIORS, PriorsBuilder, priorOf, UNINFORMED_PRIOR } from "../../src/analysis/priors";
import { StatisticalAnalyzer } from "../../src/analysis/statistical-analyzer";
import { customerRandom } from "../../src/datagen/random";

const DAY_MS = 86_400_000;
const START = Date.UTC(2026, 0, 1);

interface Population {
  /** log days per unit of the population's median customer, per category */
  means: Record<string, number>;
  /** τ_a: customer-wide, shared by all categories */
  customerSd: number;
  /** τ_b: per customer and category */
  categorySd: number;
  /** σ: per interval */
  intervalSd: number;
  customers: number;
  purchasesPerCategory: number;
}

/**
 * Customers drawn from the model itself: interval = quantity × exp(μ_k + a_c + b_ck + e), quantity 1
 * or (30 %) 2, rounded to whole days. Each category is bought in its own basket at 10:00 UTC.
 */
function simulate(p: Population, seed = 7): CustomerHistory[] {
  const histories: CustomerHistory[] = [];
  for (let c = 0; c < p.customers; c++) {
    const random = customerRandom(seed, c);
    const a = p.customerSd * random.normal();
    const purchases: CustomerHistory["purchases"][number][] = [];
    for (const [category, mean] of Object.entries(p.means)) {
      const b = p.categorySd * random.normal();
      let day = random.int(0, 5);
      for (let i = 0; i < p.purchasesPerCategory; i++) {
        const quantity = random.chance(0.3) ? 2 : 1;
        purchases.push({
          purchasedAt: new Date(START + day * DAY_MS + 10 * 3_600_000),
          items: [{ sku: `${category}-1`, productName: category, category, quantity }],
        });
        day += Math.max(1, Math.round(quantity * Math.exp(mean + a + b + p.intervalSd * random.normal())));
      }
    }
    purchases.sort((x, y) => x.purchasedAt.getTime() - y.purchasedAt.getTime());
    histories.push({ customerId: `sim-${c}`, purchases });
  }
  return histories;
}

function fitPriors(histories: readonly CustomerHistory[]): PopulationPriors {
  const builder = new PriorsBuilder();
  for (const h of histories) builder.add(h);
  return builder.build();
}

describe("PriorsBuilder", () => {
  const population: Population = {
    means: { EGGS: Math.log(10) },
    customerSd: 0,
    categorySd: 0.3,
    intervalSd: 0.2,
    customers: 600,
    purchasesPerCategory: 7,
  };
  const priors = fitPriors(simulate(population));

  it("recovers the population's cadence, spreads and quantity elasticity", () => {
    const eggs = priors.categories.EGGS!;
    expect(eggs.mean).toBeCloseTo(Math.log(10), 1); // ±0.05
    expect(eggs.between).toBeGreaterThan(0.24);
    expect(eggs.between).toBeLessThan(0.36);
    expect(eggs.within).toBeGreaterThan(0.17); // 0.2, plus a little for whole days
    expect(eggs.within).toBeLessThan(0.25);
    expect(eggs.quantityElasticity).toBeGreaterThan(0.9);
    expect(eggs.series).toBe(600);
    expect(eggs.intervals).toBe(600 * 6);
  });

  it("counts the histories it was given", () => {
    const builder = new PriorsBuilder();
    for (const h of simulate({ ...population, customers: 3 })) builder.add(h);
    expect(builder.customers).toBe(3);
  });

  it("gives the same priors (and fingerprint) whatever order the customers come in", () => {
    const histories = simulate({ ...population, customers: 200 });
    expect(fitPriors([...histories].reverse())).toEqual(fitPriors(histories));
    expect(fitPriors(histories.slice(1)).fingerprint).not.toBe(fitPriors(histories).fingerprint);
  });

  it("falls back to the pooled prior for a category it never saw, and to an uninformed one without data", () => {
    expect(priorOf(priors, "CAVIAR")).toBe(priors.fallback);
    expect(fitPriors([]).fallback).toEqual(UNINFORMED_PRIOR);
    expect(fitPriors([])).toEqual(EMPTY_PRIORS);
  });

  it("keeps a bounded, deterministic sample for the customer effect and the hazard fit", () => {
    const builder = new PriorsBuilder({ sampleSize: 10 });
    const histories = simulate({ ...population, customers: 50 });
    for (const h of histories) builder.add(h);
    const reversed = new PriorsBuilder({ sampleSize: 10 });
    for (const h of [...histories].reverse()) reversed.add(h);
    expect(builder.sample()).toHaveLength(10);
    expect(builder.sample().map((h) => h.customerId)).toEqual(reversed.sample().map((h) => h.customerId));
  });

  it("estimates the customer effect from customers' other categories", () => {
    const shared = fitPriors(
      simulate({
        means: { EGGS: Math.log(10), MILK: Math.log(6), BREAD: Math.log(5) },
        customerSd: 0.4,
        categorySd: 0.1,
        intervalSd: 0.15,
        customers: 400,
        purchasesPerCategory: 6,
      }),
    );
    expect(shared.customerEffect.between).toBeGreaterThan(0.32);
    expect(shared.customerEffect.between).toBeLessThan(0.48);
    expect(priors.customerEffect).toEqual(NO_CUSTOMER_EFFECT); // one category: nothing to compare
  });
});

describe("shrinkage towards the prior", () => {
  // τ = σ = 0.3: κ = σ²/τ² = 1, so one interval weighs as much as the prior (n / (n + κ) = 1/2).
  const prior: CategoryPrior = {
    ...UNINFORMED_PRIOR,
    mean: Math.log(5),
    between: 0.3,
    within: 0.3,
    quantityElasticity: 0,
  };
  const analyzer = new StatisticalAnalyzer({ ...EMPTY_PRIORS, categories: { EGGS: prior } });
  const buyer = (days: number[]): CustomerHistory => ({
    customerId: "c",
    purchases: days.map((d) => ({
      purchasedAt: new Date(START + d * DAY_MS + 10 * 3_600_000),
      items: [{ sku: "E", productName: "Eggs", category: "EGGS", quantity: 1 }],
    })),
  });
  const typical = (days: number[]) =>
    analyzer.analyze([buyer(days)], new Date(START + (days[days.length - 1]! + 1) * DAY_MS))[0]!
      .predictions[0]!.intervalDays;

  it("meets the prior halfway after one interval: √(20 × 5) = 10 days", () => {
    expect(typical([0, 20])).toBe(10);
  });

  it("moves towards the customer's own cadence as intervals accumulate", () => {
    // Eight 20-day intervals: n_eff = 7.48, weight 7.48 / 8.48 = 0.88 → e^(0.88·log 20 + 0.12·log 5) = 17 days.
    const many = typical([0, 20, 40, 60, 80, 100, 120, 140, 160]);
    expect(many).toBeCloseTo(17, 0);
    expect(typical([0, 20, 40])).toBeGreaterThan(10);
    expect(typical([0, 20, 40])).toBeLessThan(many);
  });

  it("says the estimate leans on similar customers after one interval only", () => {
    const reason = (days: number[]) =>
      analyzer.analyze([buyer(days)], new Date(START + (days[days.length - 1]! + 1) * DAY_MS))[0]!
        .predictions[0]!.reason;
    // One interval, weight 1 / (1 + 0.3²/0.3²) = ½: the prior is half of it.
    expect(reason([0, 20])).toContain(
      "only 2 purchase days in 2 trips (20 days apart): leans on similar customers, about every 10 days",
    );
    expect(reason([0, 20, 40, 60, 80, 100, 120, 140, 160])).toMatch(
      /^buys about every 20 days \(9 purchase days over 160 days\)/,
    );
  });
});
