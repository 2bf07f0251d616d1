// The shape served, cached and stored: what a cache entry must hold to be served.
import { PROBABILITY_DAYS } from "../../src/analysis/contract";
import { isCustomerPredictions } from "../../src/predictions/customer-predictions";

const record = {
  category: "FLUID MILK PRODUCTS",
  usualProducts: [{ sku: "M-1", name: "Milk", share: 1 }],
  nextPurchaseAt: "2026-03-12T00:00:00.000Z",
  windowStart: "2026-03-10T00:00:00.000Z",
  windowEnd: "2026-03-14T00:00:00.000Z",
  confidence: 0.6,
  toleranceDays: 2,
  intervalDays: 9.5,
  probabilityWithin: PROBABILITY_DAYS.map((d) => Math.min(1, d / 20)),
  lastPurchasedAt: "2026-03-02T00:00:00.000Z",
  overdue: false,
  reason: "buys about every 9.5 days",
  source: "STATISTICAL",
  model: "statistical@test",
};
const entry = (predictions: unknown[]) => ({
  customerId: 42,
  generatedAt: "2026-03-05T00:00:00.000Z",
  expiresAt: "2026-03-06T00:00:00.000Z",
  predictions,
  insights: [],
});

describe("isCustomerPredictions", () => {
  it("takes an entry whose predictions carry their probabilities", () => {
    expect(isCustomerPredictions(entry([record]), 42)).toBe(true);
    expect(isCustomerPredictions(entry([]), 42)).toBe(true);
  });

  it("treats an entry cached before predictions carried probabilities as a miss", () => {
    const { probabilityWithin: _, ...old } = record;
    expect(isCustomerPredictions(entry([record, old]), 42)).toBe(false);
    expect(isCustomerPredictions(entry([{ ...record, probabilityWithin: [0.5] }]), 42)).toBe(false);
  });

  it("treats another customer's entry, or anything else, as a miss", () => {
    expect(isCustomerPredictions(entry([record]), 43)).toBe(false);
    expect(isCustomerPredictions("nonsense", 42)).toBe(false);
    expect(isCustomerPredictions(null, 42)).toBe(false);
  });
});
