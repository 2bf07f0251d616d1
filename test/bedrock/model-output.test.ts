// What the model returns is validated item by item; anything invalid keeps the statistical prediction.
// A day Claude moves moves the statistical distribution with it, hand-computed here on memoryless
// buyers: a chance h every day, P(within d) = 1 − (1 − h)^d.
import type { CategoryPrediction, CustomerAnalysis } from "../../src/analysis/contract";
import { probabilityKnots, probabilityWithin } from "../../src/analysis/probability";
import { medianDay } from "../../src/analysis/shift";
import { ModelOutputError, mergeModelOutput } from "../../src/bedrock/model-output";

const DAY = 86_400_000;
const NOW = new Date("2026-11-25T15:00:00Z");
const TODAY = Date.UTC(2026, 10, 25);
const day = (offset: number) => new Date(TODAY + offset * DAY);

/** A memoryless buyer with chance `h` a day: its median day, a window around it, tolerance 1 day. */
function prediction(category: string, h: number): CategoryPrediction {
  const probabilityWithin = probabilityKnots((d) => 1 - (1 - h) ** d);
  const next = medianDay(probabilityWithin) ?? 364;
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
    probabilityWithin,
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
  // Medians on day 4 (1 − 0.85⁴ = 0.478 < ½ ≤ 1 − 0.85⁵), day 1 and day 6 (1 − 0.9⁶ = 0.469 < ½ ≤ 0.522).
  predictions: [prediction("MILK", 0.15), prediction("BREAD", 0.3), prediction("EGGS", 0.1)],
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
  reason: "buys milk weekly",
  ...extra,
});
const within = (p: CategoryPrediction, d: number) => probabilityWithin(p, d);
const offset = (date: Date) => Math.round((date.getTime() - TODAY) / DAY);

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
    expect(milk.usualProducts).toEqual(STATISTICAL.predictions[0]!.usualProducts);
    expect(milk.reason).toBe("buys milk weekly");
    expect(analysis.insights).toEqual(["Shops every few days"]);
    // Whatever the move, a reader of the probabilities finds the median on Claude's day.
    for (const p of analysis.predictions) {
      expect(medianDay(p.probabilityWithin)).toBe(offset(p.nextPurchaseAt));
      p.probabilityWithin.forEach((q, i) => {
        expect(q).toBeGreaterThanOrEqual(i ? p.probabilityWithin[i - 1]! : 0);
        expect(q).toBeLessThanOrEqual(1);
      });
    }
  });

  it("moves the whole statistical distribution with a day Claude moves: probabilities, window, confidence", () => {
    const { analysis } = merge({ predictions: [item("k1", 1), item("k2", 3)] });
    // Milk 3 days earlier (day 4 → 1): P'(within d) = P(within d + 3), the chance of days 0–3 today.
    const milk = analysis.predictions.find((p) => p.category === "MILK")!;
    expect(within(milk, 1)).toBeCloseTo(1 - 0.85 ** 4, 4); // 0.478
    expect(within(milk, 2)).toBeCloseTo(1 - 0.85 ** 5, 4); // 0.556: the median on day 1
    expect(within(milk, 7)).toBeCloseTo(1 - 0.85 ** 10, 4);
    // The statistical window, days 3–6, moved as far: days 0–3. Confidence: days 0–2 = 1 − 0.85⁶.
    expect([offset(milk.windowStart), offset(milk.windowEnd)]).toEqual([0, 3]);
    expect(milk.confidence).toBe(0.62);
    // Bread 2 days later (day 1 → 3): nothing within 2 days, then P'(within d) = P(within d − 2).
    const bread = analysis.predictions.find((p) => p.category === "BREAD")!;
    expect(within(bread, 2)).toBe(0);
    expect(within(bread, 3)).toBeCloseTo(0.3, 4);
    expect(within(bread, 4)).toBeCloseTo(1 - 0.7 ** 2, 4); // 0.51: the median on day 3
    expect(within(bread, 7)).toBeCloseTo(1 - 0.7 ** 5, 4); // 0.832
    // Window days 0–3 → 2–5; confidence: days 2–4 = P(within 3) = 1 − 0.7³ = 0.657.
    expect([offset(bread.windowStart), offset(bread.windowEnd)]).toEqual([2, 5]);
    expect(bread.confidence).toBe(0.66);
    // Overdue says how long the usual interval has passed: a fact no move changes.
    expect([milk.overdue, milk.overdueDays]).toEqual([false, 0]);
  });

  it("keeps the statistical distribution when Claude keeps the day, and never takes a window or confidence of its own", () => {
    const { analysis } = merge({
      predictions: [item("k3", 6, { windowStart: 0, windowEnd: 40, confidence: 0.99 })],
    });
    const eggs = analysis.predictions.find((p) => p.category === "EGGS")!;
    const statistical = STATISTICAL.predictions[2]!;
    expect(eggs).toMatchObject({ source: "BEDROCK", reason: "buys milk weekly" });
    for (const field of [
      "nextPurchaseAt",
      "windowStart",
      "windowEnd",
      "confidence",
      "probabilityWithin",
    ] as const) {
      expect(eggs[field]).toEqual(statistical[field]);
    }
  });

  it("keeps the statistical prediction for a missing or invalid item, and drops unknown keys", () => {
    const { analysis, fellBack, unknown } = merge({
      predictions: [item("k1", 1, { next: "soon" }), item("k2", 3, { reason: "   " }), item("k9", 2)],
      insights: [],
    });
    expect(fellBack).toBe(3);
    expect(unknown).toBe(1);
    expect(
      analysis.predictions.every((p) => p.source === "STATISTICAL" && p.model === "statistical@test"),
    ).toBe(true);
    expect(analysis.predictions.map((p) => p.reason)).toEqual(Array(3).fill("statistical reason"));
  });

  it("clamps the day to 0–365, and keeps the statistics where no move of the distribution reaches the day", () => {
    const flour = { ...prediction("FLOUR", 0), probabilityWithin: probabilityKnots(() => 0.3) };
    const analysis = (output: unknown) =>
      mergeModelOutput(
        { ...STATISTICAL, predictions: [...STATISTICAL.predictions, flour] },
        output,
        new Map([...KEYS, ["k4", "FLOUR"]]),
        NOW,
        OPTIONS,
      );
    const { analysis: merged, fellBack } = analysis({
      predictions: [item("k1", -4), item("k2", 10_000), item("k3", 6), item("k4", 30)],
    });
    // Milk to today (4 days earlier: P'(within 1) = 1 − 0.85⁵ = 0.556), its window days 3–6 to 0–2.
    const milk = merged.predictions.find((p) => p.category === "MILK")!;
    expect([
      milk.source,
      offset(milk.windowStart),
      offset(milk.nextPurchaseAt),
      offset(milk.windowEnd),
    ]).toEqual(["BEDROCK", 0, 0, 2]);
    // Bread to day 365, past the last horizon; flour, which never reaches ½ within a year, to day 30:
    // neither can be moved there, both keep the statistics.
    const kept = merged.predictions.filter((p) => p.source === "STATISTICAL").map((p) => p.category);
    expect(kept.sort()).toEqual(["BREAD", "FLOUR"]);
    expect(fellBack).toBe(2);
    // Keeping flour's day (beyond a year, shown as day 364) keeps it too, as Claude's.
    const same = analysis({ predictions: [item("k4", 364)] }).analysis.predictions;
    expect(same.find((p) => p.category === "FLOUR")!.source).toBe("BEDROCK");
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
