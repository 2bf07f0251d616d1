// What the model returns is validated item by item; anything invalid keeps the statistical prediction.
import {
  type CategoryPrediction,
  type CustomerAnalysis,
  PROBABILITY_DAYS,
} from "../../src/analysis/contract";
import { ModelOutputError, mergeModelOutput } from "../../src/bedrock/model-output";

const DAY = 86_400_000;
const NOW = new Date("2026-11-25T15:00:00Z");
const TODAY = Date.UTC(2026, 10, 25);
const day = (offset: number) => new Date(TODAY + offset * DAY);

function prediction(category: string, next: number): CategoryPrediction {
  return {
    category,
    nextPurchaseAt: day(next),
    windowStart: day(next - 1),
    windowEnd: day(next + 2),
    overdue: false,
    overdueDays: 0,
    confidence: 0.5,
    toleranceDays: 1,
    intervalDays: 7,
    probabilityWithin: PROBABILITY_DAYS.map((d) => 1 - 0.9 ** d),
    lastPurchasedAt: day(-3),
    lastQuantity: 1,
    purchaseDays: 5,
    usualProducts: [{ sku: "MILK-1", name: "Whole Milk", share: 1 }],
    reason: "statistical reason",
  };
}

const STATISTICAL: CustomerAnalysis = {
  customerId: "1",
  analyzedAt: NOW,
  analyzerVersion: "statistical@test",
  predictions: [prediction("MILK", 4), prediction("BREAD", 2), prediction("EGGS", 6)],
  occasional: [],
};
const KEYS = new Map([
  ["k1", "MILK"],
  ["k2", "BREAD"],
  ["k3", "EGGS"],
]);
const OPTIONS = { timeZone: "UTC", model: "claude-test", statisticalModel: "statistical@test" };

const merge = (output: unknown) => mergeModelOutput(STATISTICAL, output, KEYS, NOW, OPTIONS);
const item = (key: string, next: number, extra: Record<string, unknown> = {}) => ({
  key,
  next,
  windowStart: next - 1,
  windowEnd: next + 1,
  confidence: 0.7,
  reason: "buys milk weekly",
  ...extra,
});

describe("mergeModelOutput", () => {
  it("takes valid items as BEDROCK predictions, soonest first, with the customer's other facts kept", () => {
    const { analysis, fellBack } = merge({
      predictions: [item("k1", 1), item("k2", 3), item("k3", 5)],
      insights: ["Shops every few days"],
    });
    expect(fellBack).toBe(0);
    expect(analysis.predictions.map((p) => [p.category, p.source, p.model])).toEqual([
      ["MILK", "BEDROCK", "claude-test"],
      ["BREAD", "BEDROCK", "claude-test"],
      ["EGGS", "BEDROCK", "claude-test"],
    ]);
    const milk = analysis.predictions[0]!;
    expect(milk.nextPurchaseAt).toEqual(day(1));
    expect(milk.windowStart).toEqual(day(0));
    expect(milk.windowEnd).toEqual(day(2));
    expect(milk.usualProducts).toEqual(STATISTICAL.predictions[0]!.usualProducts);
    expect(milk.reason).toBe("buys milk weekly");
    expect(analysis.insights).toEqual(["Shops every few days"]);
  });

  it("keeps the statistical prediction for a missing or invalid item, and drops unknown keys", () => {
    const { analysis, fellBack, unknown } = merge({
      predictions: [item("k1", 1, { confidence: "high" }), item("k2", 3, { reason: "   " }), item("k9", 2)],
      insights: [],
    });
    expect(fellBack).toBe(3);
    expect(unknown).toBe(1);
    expect(
      analysis.predictions.every((p) => p.source === "STATISTICAL" && p.model === "statistical@test"),
    ).toBe(true);
    expect(analysis.predictions.map((p) => p.reason)).toEqual(Array(3).fill("statistical reason"));
  });

  it("clamps days to 0–365, orders the window around the day, and confidence into [0, 1]", () => {
    const { analysis } = merge({
      predictions: [
        item("k1", -4, { windowStart: 9, windowEnd: -2, confidence: 1.7 }),
        item("k2", 10_000, { windowStart: 500, windowEnd: 400, confidence: -0.2 }),
      ],
    });
    const milk = analysis.predictions.find((p) => p.category === "MILK")!;
    expect([milk.windowStart, milk.nextPurchaseAt, milk.windowEnd]).toEqual([day(0), day(0), day(9)]);
    expect(milk.confidence).toBe(1);
    const bread = analysis.predictions.find((p) => p.category === "BREAD")!;
    expect([bread.windowStart, bread.nextPurchaseAt, bread.windowEnd]).toEqual([
      day(365),
      day(365),
      day(365),
    ]);
    expect(bread.confidence).toBe(0);
  });

  it("keeps reasons and insights to one clean line of at most 200 characters, three insights at most", () => {
    const { analysis } = merge({
      predictions: [item("k1", 1, { reason: `line one\nline\u0007two ${"x".repeat(300)}` })],
      insights: ["a", "b", "c", "d", 42],
    });
    const reason = analysis.predictions.find((p) => p.category === "MILK")!.reason;
    expect(reason.startsWith("line one line two")).toBe(true);
    expect(reason.length).toBe(200);
    expect(analysis.insights).toEqual(["a", "b", "c"]);
  });

  it("refuses output that is not an object with a predictions list", () => {
    for (const output of [null, "text", [], { insights: [] }, { predictions: "k1" }]) {
      expect(() => merge(output)).toThrow(ModelOutputError);
    }
  });
});
