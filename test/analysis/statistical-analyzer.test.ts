// Hand-computed cases for the statistical analyzer. The priors are written out here (not fitted), so
// every expected day follows from the method in docs/PREDICTION.md with pencil and paper:
//
//   per unit u_i = log(interval_i) − β·log(quantity_i), recency weights w_i = 0.5^((n−1−i)/6)
//   n_eff = (Σw)² / Σw²,  κ = σ²/τ²,  own = n_eff / (n_eff + κ)
//   log(days the last purchase lasts) = own·huber(u) + (1 − own)·μ + β·log(last quantity)
//   predicted day = last day + round(exp(that))  (no trip rhythm: fewer than 6 trips)
import {
  type CategoryPrior,
  type CustomerHistory,
  type HistoryItem,
  type PopulationPriors,
  PREDICTION_HORIZON_DAYS,
  PROBABILITY_DAYS,
} from "../../src/analysis/contract";
import { EMPTY_PRIORS, withWindow } from "../../src/analysis/priors";
import { METHOD_VERSION, StatisticalAnalyzer } from "../../src/analysis/statistical-analyzer";

const DAY_MS = 86_400_000;
const START = Date.UTC(2026, 0, 1);
const MILK = "FLUID MILK PRODUCTS";
const WHOLE = { sku: "MILK-WHOLE", productName: "Whole Milk", category: MILK };
const SKIMMED = { sku: "MILK-SKIM", productName: "Skimmed Milk", category: MILK };

/** Day d of 2026 (d = 0: January 1st) at `hour` UTC. */
function at(d: number, hour = 10): Date {
  return new Date(START + d * DAY_MS + hour * 3_600_000);
}

function dayOf(date: Date): number {
  return Math.round((date.getTime() - START) / DAY_MS);
}

type Product = Omit<HistoryItem, "quantity">;

/** One basket per [day, quantity, product?] (whole milk unless said otherwise). */
function history(purchases: Array<[day: number, quantity: number, product?: Product]>): CustomerHistory {
  return {
    customerId: "c1",
    purchases: purchases.map(([d, quantity, product = WHOLE]) => ({
      purchasedAt: at(d),
      items: [{ ...product, quantity }],
    })),
  };
}

/**
 * Milk: prior median 10 days per unit, known to ±0.5 (log) between customers, ±0.1 within one:
 * κ = 0.04, so a customer's own intervals carry nearly all the weight. Quantity matters fully (β = 1).
 */
const MILK_PRIOR: CategoryPrior = {
  mean: Math.log(10),
  between: 0.5,
  within: 0.1,
  quantityElasticity: 1,
  series: 100,
  intervals: 500,
};

function priorsWith(categories: Record<string, CategoryPrior>): PopulationPriors {
  const base = { ...EMPTY_PRIORS, categories, fallback: MILK_PRIOR };
  return withWindow(base, { lower: 0.1, upper: 0.9, calibratedOn: 0 });
}

const analyzer = new StatisticalAnalyzer(priorsWith({ [MILK]: MILK_PRIOR }));

function predict(h: CustomerHistory, nowDay: number) {
  const [analysis] = analyzer.analyze([h], at(nowDay, 0));
  return analysis!;
}

/** One unit of milk on days 0, 7, 14 and 21, then `quantity` units on day 28. */
function weeklyThen(quantity: number): CustomerHistory {
  return history([
    [0, 1],
    [7, 1],
    [14, 1],
    [21, 1],
    [28, quantity],
  ]);
}

function milkOf(h: CustomerHistory, nowDay: number) {
  const prediction = predict(h, nowDay).predictions.find((p) => p.category === MILK);
  if (!prediction) throw new Error("expected a milk prediction");
  return prediction;
}

describe("StatisticalAnalyzer", () => {
  describe("a regular buyer: one unit every 7 days", () => {
    // Days 0, 7, 14, 21, 28: four 7-day intervals. w = 0.707, 0.794, 0.891, 1 → n_eff = 3.93;
    // own = 3.93 / 3.97 = 0.99 → log lasted = 0.99·log 7 + 0.01·log 10 → 7.02 days → day 35.
    const regular = history([
      [0, 1],
      [7, 1],
      [14, 1],
      [21, 1],
      [28, 1],
    ]);
    const milk = milkOf(regular, 29);

    it("predicts the next purchase a week after the last", () => {
      expect(dayOf(milk.nextPurchaseAt)).toBe(35);
      expect(milk.typicalIntervalDays).toBeCloseTo(7, 0);
      expect(dayOf(milk.lastPurchasedAt)).toBe(28);
      expect(milk.lastQuantity).toBe(1);
      expect(milk.purchaseDays).toBe(5);
      expect(milk.overdue).toBe(false);
      expect(milk.overdueDays).toBe(0);
    });

    it("gives a tight 80 % window around it", () => {
      // Dispersion: own residuals 0 → σ_c = √(4·0.1² / 7) = 0.076; predictive sd = 0.076·√(1 + 1/3.97) = 0.085.
      // 10th/90th percentiles: 7.02·e^(∓1.28·0.085) = 6.3 and 7.8 days → days 34 and 36.
      expect(dayOf(milk.windowStart)).toBe(34);
      expect(dayOf(milk.windowEnd)).toBe(36);
    });

    it("states its probability of a purchase within d days, read off the same distribution", () => {
      // Asked on day 29, "within d days" = days 29 … 28 + d. Without a rhythm, day D holds the needs in
      // [D − 0.5, D + 0.5): P(by day 28 + d) = Φ((log(d + 0.5) − log 7.02) / 0.085).
      //   d = 5: Φ(−3.3) ≈ 0.0005;  d = 6: Φ((log 6.5 − log 7.02)/0.085) = Φ(−0.91) ≈ 0.18;
      //   d = 7: Φ((log 7.5 − log 7.02)/0.085) = Φ(0.78) ≈ 0.78;  d = 10: ≈ 1.
      const at = (d: number) => milk.probabilityWithin[PROBABILITY_DAYS.indexOf(d)]!;
      expect(milk.probabilityWithin).toHaveLength(PROBABILITY_DAYS.length);
      expect(at(5)).toBeLessThan(0.005);
      expect(at(6)).toBeCloseTo(0.18, 1);
      expect(at(7)).toBeCloseTo(0.78, 1);
      expect(at(10)).toBeGreaterThan(0.999);
      expect(at(365)).toBe(1);
      for (let i = 1; i < PROBABILITY_DAYS.length; i++) {
        expect(milk.probabilityWithin[i]!).toBeGreaterThanOrEqual(milk.probabilityWithin[i - 1]!);
      }
    });

    it("is confident, and says why in one line", () => {
      // Tolerance max(1, round(0.2·7)) = 1 day: P(34 ≤ day ≤ 36) under the same distribution, ≈ 0.99.
      expect(milk.confidenceToleranceDays).toBe(1);
      expect(milk.confidence).toBeGreaterThan(0.95);
      expect(milk.reason).toBe("buys about every 7 days; last bought 1 × Whole Milk yesterday");
    });
  });

  it("lists a category bought on one day only as occasional, without a date", () => {
    const analysis = predict(history([[3, 1]]), 10);
    expect(analysis.predictions).toEqual([]);
    expect(analysis.occasional).toEqual([
      {
        category: MILK,
        lastPurchasedAt: new Date(START + 3 * DAY_MS),
        usualProducts: [{ sku: WHOLE.sku, name: WHOLE.productName, share: 1 }],
      },
    ]);
  });

  it("expects twice the interval after twice the quantity", () => {
    // Same weekly history, but 2 units on day 28: log lasted gains β·log 2 → 14.04 days → day 42.
    const milk = milkOf(weeklyThen(2), 29);
    expect(dayOf(milk.nextPurchaseAt)).toBe(42);
    expect(milk.typicalIntervalDays).toBeCloseTo(14, 0);
    expect(milk.lastQuantity).toBe(2);
    expect(milk.reason).toBe(
      "buys about every 7 days; last bought 2 × Whole Milk yesterday, enough for about 14 days",
    );
  });

  it("is not thrown by one outlier gap", () => {
    // Intervals 7, 7, 7, 30, 7, 7: the mean interval is 10.8 days, but the 30 is pulled in to 4 × the
    // median (28) and then weighs almost nothing in the Huber estimate (k = 1.5·σ = 0.15): 7 days.
    const milk = milkOf(
      history([
        [0, 1],
        [7, 1],
        [14, 1],
        [21, 1],
        [51, 1],
        [58, 1],
        [65, 1],
      ]),
      66,
    );
    expect(dayOf(milk.nextPurchaseAt)).toBe(72);
    expect(milk.typicalIntervalDays).toBeGreaterThan(6.5);
    expect(milk.typicalIntervalDays).toBeLessThan(7.5);
  });

  it("reports an overdue need as due from today, never in the past", () => {
    // Weekly buyer last seen on day 28 (expected day 35), asked on day 45: 10 days overdue.
    const milk = milkOf(
      history([
        [0, 1],
        [7, 1],
        [14, 1],
        [21, 1],
        [28, 1],
      ]),
      45,
    );
    expect(milk.overdue).toBe(true);
    expect(milk.overdueDays).toBe(10);
    expect(dayOf(milk.nextPurchaseAt)).toBe(45);
    expect(dayOf(milk.windowStart)).toBe(45);
    expect(dayOf(milk.windowEnd)).toBeGreaterThanOrEqual(45);
    expect(milk.reason).toBe(
      "buys about every 7 days; last bought 1 × Whole Milk 17 days ago; 10 days overdue",
    );
  });

  it("follows the category through a brand switch", () => {
    // Whole milk on days 0, 7, 14, skimmed on 21 and 28: one milk cadence of 7 days.
    const analysis = predict(
      history([
        [0, 1],
        [7, 1],
        [14, 1],
        [21, 1, SKIMMED],
        [28, 1, SKIMMED],
      ]),
      29,
    );
    expect(analysis.predictions).toHaveLength(1);
    const [milk] = analysis.predictions;
    expect(dayOf(milk!.nextPurchaseAt)).toBe(35);
    expect(milk!.usualProducts).toEqual([
      { sku: WHOLE.sku, name: WHOLE.productName, share: 0.6 },
      { sku: SKIMMED.sku, name: SKIMMED.productName, share: 0.4 },
    ]);
    expect(milk!.reason).toContain("last bought 1 × Skimmed Milk");
  });

  it("returns an empty analysis for an empty history", () => {
    const [analysis] = analyzer.analyze([{ customerId: "nobody", purchases: [] }], at(10));
    expect(analysis).toEqual({
      customerId: "nobody",
      analyzedAt: at(10),
      analyzerVersion: analyzer.version,
      predictions: [],
      occasional: [],
    });
  });

  it("counts two baskets on one day as one purchase day, adding their quantities", () => {
    // Day 28 has a morning and an evening basket of 1 unit: one purchase day of 2 units → day 42.
    const h = history([
      [0, 1],
      [7, 1],
      [14, 1],
      [21, 1],
      [28, 1],
    ]);
    const evening = { purchasedAt: at(28, 19), items: [{ ...WHOLE, quantity: 1 }] };
    const milk = milkOf({ ...h, purchases: [...h.purchases, evening] }, 29);
    expect(milk.purchaseDays).toBe(5);
    expect(milk.lastQuantity).toBe(2);
    expect(dayOf(milk.nextPurchaseAt)).toBe(42);
  });

  it("predicts on the customer's trip rhythm", () => {
    // A Saturday shopper (a trip every 7 days) buys milk every other trip. Each interval is 14 days, of
    // which 3.5 are, on average, the wait for the next trip: milk lasts 10.5 days, the need arises on
    // day 66.5, and the purchase is on the next trip, day 70 — not on day 66 or 67.
    const trips: CustomerHistory = {
      customerId: "saturday",
      purchases: [0, 7, 14, 21, 28, 35, 42, 49, 56].map((d) => ({
        purchasedAt: at(d),
        items: [
          { sku: "BREAD", productName: "Bread", category: "BREAD", quantity: 1 },
          ...(d % 14 === 0 ? [{ ...WHOLE, quantity: 1 }] : []),
        ],
      })),
    };
    const milk = milkOf(trips, 57);
    expect(dayOf(milk.nextPurchaseAt)).toBe(70);
    expect(dayOf(milk.nextPurchaseAt) % 7).toBe(0);
    expect(milk.typicalIntervalDays).toBeCloseTo(14, 0);
  });

  it("looks at the newest 20 baskets at or before now only", () => {
    const many = history(Array.from({ length: 30 }, (_, i) => [i * 7, 1] as [number, number]));
    // 30 weekly purchases up to day 203; asked on day 100, it sees days ≤ 100: the newest 15 of those (0…98).
    expect(milkOf(many, 100).purchaseDays).toBe(15);
    // Asked after all of them: the newest 20.
    expect(milkOf(many, 204).purchaseDays).toBe(20);
  });

  it("counts days on the calendar of its time zone", () => {
    // 02:30 UTC is 21:30 the evening before in New York: purchases on days 0, 7, 14 in New York.
    const late = {
      customerId: "ny",
      purchases: [1, 8, 15].map((d) => ({ purchasedAt: at(d, 2.5), items: [{ ...WHOLE, quantity: 1 }] })),
    };
    const newYork = new StatisticalAnalyzer(priorsWith({ [MILK]: MILK_PRIOR }), {
      timeZone: "America/New_York",
    });
    const [analysis] = newYork.analyze([late], at(16, 12));
    expect(analysis!.predictions[0]!.lastPurchasedAt).toEqual(new Date("2026-01-15T05:00:00Z")); // NY midnight
  });

  it.each([2e7, 1e300])(
    "keeps every date within the horizon after a last purchase of %d units, finite and in order",
    (quantity) => {
      // Interval ∝ quantity: 2e7 units "last" 400,000 years; 1e300 overflows every double.
      const milk = milkOf(weeklyThen(quantity), 29);
      const horizon = 29 + PREDICTION_HORIZON_DAYS;
      expect(dayOf(milk.windowStart)).toBeLessThanOrEqual(dayOf(milk.nextPurchaseAt));
      expect(dayOf(milk.nextPurchaseAt)).toBeLessThanOrEqual(dayOf(milk.windowEnd));
      expect(dayOf(milk.windowEnd)).toBe(horizon);
      expect(milk.typicalIntervalDays).toBe(PREDICTION_HORIZON_DAYS);
      expect(milk.overdue).toBe(false);
      expect(Number.isFinite(milk.confidence)).toBe(true);
      expect(milk.reason).not.toMatch(/Infinity|NaN/);
      for (const date of [milk.nextPurchaseAt, milk.windowStart, milk.windowEnd]) {
        expect(() => date.toISOString()).not.toThrow();
      }
    },
  );

  it("analyses many customers in one call, in order", () => {
    const customers = ["a", "b", "c"].map((customerId) => ({ ...history([[0, 1]]), customerId }));
    expect(analyzer.analyze(customers, at(5)).map((a) => a.customerId)).toEqual(["a", "b", "c"]);
  });

  it("rejects an invalid now", () => {
    expect(() => analyzer.analyze([], new Date(Number.NaN))).toThrow("now: expected a valid Date");
  });
});

describe("StatisticalAnalyzer.version", () => {
  const priors = priorsWith({ [MILK]: MILK_PRIOR });
  const other = priorsWith({ [MILK]: { ...MILK_PRIOR, mean: Math.log(12) } });

  it("is the same for the same method, priors and options", () => {
    expect(new StatisticalAnalyzer(priors).version).toBe(new StatisticalAnalyzer(priors).version);
    expect(new StatisticalAnalyzer(priors).version).toContain(`statistical@${METHOD_VERSION}`);
  });

  it("changes with the priors, the time zone and the number of baskets looked at", () => {
    const versions = new Set([
      new StatisticalAnalyzer(priors).version,
      new StatisticalAnalyzer(other).version,
      new StatisticalAnalyzer(priors, { timeZone: "America/New_York" }).version,
      new StatisticalAnalyzer(priors, { maxPurchases: 10 }).version,
      new StatisticalAnalyzer(withWindow(priors, { lower: 0.2, upper: 0.9, calibratedOn: 100 })).version,
    ]);
    expect(versions.size).toBe(5);
  });

  it("is stamped on every analysis", () => {
    const a = new StatisticalAnalyzer(other);
    expect(a.analyze([history([[0, 1]])], at(3))[0]!.analyzerVersion).toBe(a.version);
  });

  it("rejects a time zone or basket count it cannot use, saying what it expected", () => {
    expect(() => new StatisticalAnalyzer(priors, { timeZone: "Mars/Olympus" })).toThrow(
      'timeZone: expected an IANA time zone such as "UTC" or "America/New_York", got "Mars/Olympus"',
    );
    expect(() => new StatisticalAnalyzer(priors, { maxPurchases: 1 })).toThrow(
      "maxPurchases: expected a whole number of at least 2, got 1",
    );
  });
});
