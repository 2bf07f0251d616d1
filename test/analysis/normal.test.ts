import { normalCdf, normalQuantile } from "../../src/analysis/normal";

describe("the standard normal distribution", () => {
  it("has the textbook values", () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1.281552)).toBeCloseTo(0.1, 6);
    expect(normalQuantile(0.9)).toBeCloseTo(1.281552, 5);
    expect(normalQuantile(0.5)).toBe(0);
  });

  it("inverts its CDF from the far tails to the centre", () => {
    for (const p of [1e-9, 1e-4, 0.01, 0.02425, 0.1, 0.3, 0.5, 0.77, 0.97575, 0.999, 1 - 1e-7]) {
      expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 6);
    }
  });

  it("rejects a probability outside (0, 1)", () => {
    expect(() => normalQuantile(1)).toThrow("p: expected a probability strictly between 0 and 1, got 1");
  });
});
