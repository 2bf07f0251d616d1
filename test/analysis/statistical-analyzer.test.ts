// Hand-computed cases for the statistical analyzer. The priors and the hazard's weights are written
// out here (not fitted), so every expected day and probability follows from the method in
// docs/PREDICTION.md with pencil and paper:
//
//   cadence: log(days the last purchase lasts) = own·huber(u) + (1 − own)·μ + β·log(last quantity)
//   hazard on day s from now: h(s) = logistic(Σ weight × feature(s))
//   P(bought within d days) = 1 − Π_{s<d} (1 − h(s)); the predicted day is the median
import type {
  CategoryPrior,
  CustomerHistory,
  HistoryItem,
  PopulationPriors,
  PurchaseRatePrior,
} from "../../src/analysis/contract";
import { PREDICTION_HORIZON_DAYS, PROBABILITY_DAYS } from "../../src/analysis/contract";
import { HAZARD_FEATURES } from "../../src/analysis/hazard";
import { EMPTY_PRIORS, NOMINAL_WINDOW, withHazard } from "../../src/analysis/priors";
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
 * Milk: prior median 7 days per unit, known to ±0.5 (log) between customers, ±0.1 within one: a
 * customer buying every 7 days lasts exactly 7 days per unit (own and prior agree). Quantity matters
 * fully (β = 1).
 */
const MILK_PRIOR: CategoryPrior = {
  mean: Math.log(7),
  between: 0.5,
  within: 0.1,
  quantityElasticity: 1,
  series: 100,
  intervals: 500,
};

/** Milk's purchase rate across customers: Gamma(1, 14), one purchase day a fortnight. */
const MILK_RATE: PurchaseRatePrior = { shape: 1, rate: 14 };

type Weights = Partial<Record<(typeof HAZARD_FEATURES)[number], number>>;

/** Priors with the milk cadence and rate above and a hazard with the given weights (others 0). */
function priorsWith(weights: Weights, categories: Record<string, CategoryPrior> = { [MILK]: MILK_PRIOR }) {
  const base: PopulationPriors = {
    ...EMPTY_PRIORS,
    categories,
    fallback: MILK_PRIOR,
    purchaseRates: { [MILK]: MILK_RATE },
    purchaseRateFallback: MILK_RATE,
  };
  const hazard = {
    features: [...HAZARD_FEATURES],
    coefficients: HAZARD_FEATURES.map((name) => weights[name] ?? 0),
    cases: 0,
    events: 0,
    exposureDays: 0,
  };
  return withHazard(base, hazard, NOMINAL_WINDOW);
}

/**
 * A hazard that is a step at the due day: weight 60 on the due score z = log(elapsed / usual) / sd, so
 * h ≈ 0 before the usual interval has passed, 0.5 on the day it has exactly, ≈ 1 after.
 */
const AT_DUE_DAY: Weights = { dueScore: 60 };

const analyzer = new StatisticalAnalyzer(priorsWith(AT_DUE_DAY));

function analyse(h: CustomerHistory, nowDay: number, using = analyzer) {
  const [analysis] = using.analyze([h], at(nowDay, 0));
  return analysis!;
}

function milkOf(h: CustomerHistory, nowDay: number, using = analyzer) {
  const prediction = analyse(h, nowDay, using).predictions.find((p) => p.category === MILK);
  if (!prediction) throw new Error("expected a milk prediction");
  return prediction;
}

/** The stated probability of a purchase within d days (d one of PROBABILITY_DAYS). */
function within(prediction: { probabilityWithin: number[] }, d: number): number {
  return prediction.probabilityWithin[PROBABILITY_DAYS.indexOf(d)]!;
}

const WEEKLY = history([
  [0, 1],
  [7, 1],
  [14, 1],
  [21, 1],
  [28, 1],
]);

describe("StatisticalAnalyzer", () => {
  describe("a regular buyer: one unit every 7 days", () => {
    // Days 0 … 28, asked on day 29. Every interval is 7 days and so is the prior: usual = 7 days. The
    // step hazard gives h = 0 on days 29–34 (elapsed 1–6), 0.5 on day 35 (elapsed 7: z = 0), and ≈ 1
    // on day 36 (z = log(8/7)/0.085 = 1.6): half the chance on day 35, the rest on day 36.
    const milk = milkOf(WEEKLY, 29);

    it("predicts the next purchase a week after the last: the median day", () => {
      expect(dayOf(milk.nextPurchaseAt)).toBe(35);
      expect(milk.intervalDays).toBe(7);
      expect(dayOf(milk.lastPurchasedAt)).toBe(28);
      expect(milk.lastQuantity).toBe(1);
      expect(milk.purchaseDays).toBe(5);
      expect(milk.overdue).toBe(false);
      expect(milk.overdueDays).toBe(0);
    });

    it("reads the 80 % window off the same distribution: its 10th and 90th percentile days", () => {
      expect(dayOf(milk.windowStart)).toBe(35);
      expect(dayOf(milk.windowEnd)).toBe(36);
    });

    it("states its probability of a purchase within d days, non-decreasing", () => {
      // Within 6 days = days 29–34: 0; within 7 adds day 35: 0.5; within 10: 1.
      expect(milk.probabilityWithin).toHaveLength(PROBABILITY_DAYS.length);
      expect(within(milk, 6)).toBe(0);
      expect(within(milk, 7)).toBeCloseTo(0.5, 4);
      expect(within(milk, 10)).toBe(1);
      for (let i = 1; i < PROBABILITY_DAYS.length; i++) {
        expect(milk.probabilityWithin[i]!).toBeGreaterThanOrEqual(milk.probabilityWithin[i - 1]!);
      }
    });

    it("is confident: the whole chance lies within ±1 day of the predicted day", () => {
      expect(milk.toleranceDays).toBe(1);
      expect(milk.confidence).toBe(1);
      expect(milk.reason).toBe(
        "buys about every 7 days (5 purchase days over 28 days); last bought yesterday: 1 × Whole Milk",
      );
    });
  });

  describe("a lapsed buyer", () => {
    // A constant hazard logistic(−2) = 0.1192 that falls once twice the usual interval has passed:
    // weight −3 on log(elapsed / usual) − log 2 beyond it.
    const fading = new StatisticalAnalyzer(priorsWith({ bias: -2, overTwice: -3 }));

    it("is less likely to buy within a week the longer past due they are", () => {
      // Asked on day 36 (elapsed 8–14 days, at most twice 7): 1 − 0.8808⁷ = 0.589.
      expect(within(milkOf(WEEKLY, 36, fading), 7)).toBeCloseTo(0.5887, 3);
      // Asked on day 88 (elapsed 60–66): h = logistic(−2 − 3·log(60/14)) = 0.0017 … 0.0012 → 0.0104.
      const lapsed = milkOf(WEEKLY, 88, fading);
      expect(within(lapsed, 7)).toBeCloseTo(0.0104, 3);
      expect(lapsed.overdue).toBe(true);
      expect(lapsed.overdueDays).toBe(88 - 35);
    });

    it("says a need just past due is overdue: the wait has not made it less likely", () => {
      // Day 36: within 7 days (elapsed 8–14) = 0.5887, as within 7 days of the last purchase (elapsed
      // 1–7): nothing says they stopped.
      expect(milkOf(WEEKLY, 36, fading).reason).toBe(
        "buys about every 7 days (5 purchase days over 28 days); last bought 8 days ago: 1 × Whole Milk; " +
          "1 day overdue",
      );
    });

    it("says a lapsed buyer may have stopped: the model's chance fell below half of what it was", () => {
      // Day 88: within 7 days 0.0104, against 0.5887 within 7 days of the last purchase: 0.0104 < ½ × 0.5887.
      expect(milkOf(WEEKLY, 88, fading).reason).toBe(
        "buys about every 7 days (5 purchase days over 28 days); last bought 60 days ago: 1 × Whole Milk; " +
          "about 8 weeks overdue: may have stopped buying this",
      );
    });

    it("places the median beyond a year when it probably stopped, and never in the past", () => {
      const lapsed = milkOf(WEEKLY, 88, fading);
      expect(within(lapsed, 365)).toBeLessThan(0.5);
      expect(dayOf(lapsed.nextPurchaseAt)).toBe(88 + 364);
      expect(dayOf(lapsed.windowStart)).toBeGreaterThanOrEqual(88);
    });
  });

  it("with a single interval, leans on the purchase rate (Poisson-Gamma)", () => {
    // The unfitted hazard: logit h = log rate. Days 0 and 10, asked on day 20: rate = (1 + 1)/(20 + 14)
    // = 1/17 per day → h = (1/17)/(1 + 1/17) = 1/18 every day. P(within 7) = 1 − (17/18)⁷ = 0.3298; the
    // median is the 13th day (1 − (17/18)^13 ≥ 0.5 > 1 − (17/18)^12): day 32.
    const poisson = new StatisticalAnalyzer(priorsWith({ logRate: 1 }));
    const milk = milkOf(
      history([
        [0, 1],
        [10, 1],
      ]),
      20,
      poisson,
    );
    expect(within(milk, 7)).toBeCloseTo(0.3298, 3);
    expect(dayOf(milk.nextPurchaseAt)).toBe(32);
    expect(milk.purchaseDays).toBe(2);
    // One interval, but milk buyers differ far more than one's intervals do (κ = (0.1 / 0.5)² = 0.04):
    // the cadence is 1 / 1.04 = 96 % the customer's own 10 days.
    expect(milk.reason).toBe(
      "only 2 purchase days in 2 trips (10 days apart): about every 10 days; last bought 10 days ago: 1 × Whole Milk",
    );
  });

  it("says a single interval leans on similar customers when the population outweighs it", () => {
    // Milk buyers alike (between 0.05, κ = (0.1 / 0.05)² = 4): own weight 1 / 5, so the cadence is
    // exp(0.2·log 10 + 0.8·log 7) = 7.5 days, due on day 10 + 8 = 18: asked on day 20, 2 days overdue.
    // The constant hazard gives the same chance now as after the last purchase: not stopped.
    const alike = new StatisticalAnalyzer(
      priorsWith({ logRate: 1 }, { [MILK]: { ...MILK_PRIOR, between: 0.05 } }),
    );
    const milk = milkOf(
      history([
        [0, 1],
        [10, 1],
      ]),
      20,
      alike,
    );
    expect(milk.intervalDays).toBe(7.5);
    expect(milk.reason).toBe(
      "only 2 purchase days in 2 trips (10 days apart): leans on similar customers, about every 8 days; " +
        "last bought 10 days ago: 1 × Whole Milk; 2 days overdue",
    );
  });

  it.each([2e7, 1e300])(
    "keeps every date within the horizon after a last purchase of %d units, finite and in order",
    (quantity) => {
      // Interval ∝ quantity: 2e7 units "last" 400,000 years; 1e300 overflows every double.
      const milk = milkOf(
        history([
          [0, 1],
          [7, 1],
          [14, 1],
          [21, 1],
          [28, quantity],
        ]),
        29,
      );
      expect(dayOf(milk.windowStart)).toBeLessThanOrEqual(dayOf(milk.nextPurchaseAt));
      expect(dayOf(milk.nextPurchaseAt)).toBeLessThanOrEqual(dayOf(milk.windowEnd));
      expect(dayOf(milk.windowEnd)).toBeLessThanOrEqual(29 + PREDICTION_HORIZON_DAYS);
      expect(milk.intervalDays).toBeLessThanOrEqual(PREDICTION_HORIZON_DAYS);
      expect(Number.isFinite(milk.confidence)).toBe(true);
      expect(milk.reason).not.toMatch(/Infinity|NaN/);
      for (const date of [milk.nextPurchaseAt, milk.windowStart, milk.windowEnd]) {
        expect(() => date.toISOString()).not.toThrow();
      }
    },
  );

  it("expects twice the interval after twice the quantity", () => {
    // Same weekly history, but 2 units on day 28: log lasted gains β·log 2 → 14 days → day 42.
    const milk = milkOf(
      history([
        [0, 1],
        [7, 1],
        [14, 1],
        [21, 1],
        [28, 2],
      ]),
      29,
    );
    expect(dayOf(milk.nextPurchaseAt)).toBe(42);
    expect(milk.intervalDays).toBe(14);
    expect(within(milk, 7)).toBe(0);
    expect(milk.lastQuantity).toBe(2);
    expect(milk.reason).toBe(
      "buys about every 7 days (5 purchase days over 28 days); last bought yesterday: 2 × Whole Milk, " +
        "expected to last about 14 days",
    );
  });

  it("buys on the customer's trip rhythm", () => {
    // A Saturday shopper (a trip every 7 days, days 0 … 56). The hazard is 0.5 on trip days and ≈ 0
    // off them (weight −60 on "off the rhythm"): asked on day 57, P(within 7) = P(day 63) = 0.5, within
    // 14 = 0.75, within 21 = 0.875; the median is day 63, the 90th percentile day 84 (0.9375).
    const trips: CustomerHistory = {
      customerId: "saturday",
      purchases: [0, 7, 14, 21, 28, 35, 42, 49, 56].map((d) => ({
        purchasedAt: at(d),
        items: [{ ...WHOLE, quantity: 1 }],
      })),
    };
    const rhythm = new StatisticalAnalyzer(priorsWith({ offTrip: -60 }));
    const milk = milkOf(trips, 57, rhythm);
    expect(within(milk, 6)).toBeCloseTo(0, 6);
    expect(within(milk, 7)).toBeCloseTo(0.5, 4);
    expect(within(milk, 14)).toBeCloseTo(0.75, 4);
    expect(within(milk, 21)).toBeCloseTo(0.875, 4);
    expect(dayOf(milk.nextPurchaseAt)).toBe(63);
    expect(dayOf(milk.windowEnd)).toBe(84);
    // Beyond two weeks days are grouped in blocks, each with a hazard for trip days and one for others.
    expect(within(milk, 28)).toBeCloseTo(0.9375, 4);
  });

  it("lists a category bought on one day only as occasional, without a date", () => {
    const analysis = analyse(history([[3, 1]]), 10);
    expect(analysis.predictions).toEqual([]);
    expect(analysis.occasional).toEqual([
      {
        category: MILK,
        lastPurchasedAt: new Date(START + 3 * DAY_MS),
        usualProducts: [{ sku: WHOLE.sku, name: WHOLE.productName, share: 1 }],
      },
    ]);
  });

  it("follows the category through a brand switch", () => {
    // Whole milk on days 0, 7, 14, skimmed on 21 and 28: one milk cadence of 7 days.
    const analysis = analyse(
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
    expect(milk!.reason).toContain("last bought yesterday: 1 × Skimmed Milk");
  });

  it("names each product of a last purchase day with several, with its own units", () => {
    // Day 28: 2 whole milk in one basket, 1 whole and 1 skimmed in another: 4 units, 3 of them whole.
    const h = history([
      [0, 1],
      [7, 1],
      [14, 1],
      [21, 1],
      [28, 2],
    ]);
    const split: CustomerHistory = {
      ...h,
      purchases: [
        ...h.purchases,
        {
          purchasedAt: at(28, 18),
          items: [
            { ...SKIMMED, quantity: 1 },
            { ...WHOLE, quantity: 1 },
          ],
        },
      ],
    };
    const milk = milkOf(split, 29);
    expect(milk.lastQuantity).toBe(4);
    expect(milk.reason).toContain("last bought yesterday: 3 × Whole Milk and 1 × Skimmed Milk");
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
    const newYork = new StatisticalAnalyzer(priorsWith(AT_DUE_DAY), {
      timeZone: "America/New_York",
    });
    const [analysis] = newYork.analyze([late], at(16, 12));
    expect(analysis!.predictions[0]!.lastPurchasedAt).toEqual(new Date("2026-01-15T05:00:00Z")); // NY midnight
  });

  it("analyses many customers in one call, in order", () => {
    const customers = ["a", "b", "c"].map((customerId) => ({ ...history([[0, 1]]), customerId }));
    expect(analyzer.analyze(customers, at(5)).map((a) => a.customerId)).toEqual(["a", "b", "c"]);
  });

  it("rejects an invalid now", () => {
    expect(() => analyzer.analyze([], new Date(Number.NaN))).toThrow("now: expected a valid Date");
  });
});

describe("StatisticalAnalyzer.version", () => {
  const priors = priorsWith(AT_DUE_DAY);
  const other = priorsWith(AT_DUE_DAY, { [MILK]: { ...MILK_PRIOR, mean: Math.log(12) } });

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
      new StatisticalAnalyzer(priorsWith({ ...AT_DUE_DAY, bias: -1 })).version,
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
