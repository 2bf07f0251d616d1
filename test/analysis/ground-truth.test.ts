// The analyzer against the synthetic generator's ground truth (docs/DATA_GENERATION.md): for a regular
// household, a purchase of q units of a staple lasts q × DPU days (DPU = daysPerUnit × size factor ×
// personal factor), and is followed by the next purchase about half a trip period later. The
// analyzer's typical interval for the quantity last bought should match that, in the median over
// households, without ever being told the household's size, personal factor or trip period.
import { MAX_PURCHASES } from "../../src/analysis/contract";
import { fitPopulationPriors } from "../../src/analysis/hazard-fit";
import { StatisticalAnalyzer } from "../../src/analysis/statistical-analyzer";
import { STAPLES, sizeFactor } from "../../src/datagen/catalogue";
import { generateCustomers } from "../../src/datagen/generator";
import { syntheticHistory } from "../../src/datagen/synthetic-histories";

const OPTIONS = { seed: 2026, days: 365, end: new Date("2026-01-01T00:00:00Z") };
const customers = [...generateCustomers(OPTIONS, 400)];
const histories = customers.map(syntheticHistory);
const analyzer = new StatisticalAnalyzer(fitPopulationPriors(histories));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

describe("the analyzer on the generator's households", () => {
  const ratios = new Map<string, number[]>(STAPLES.map((s) => [s.key, []]));
  beforeAll(() => {
    customers.forEach((customer, i) => {
      const { household } = customer;
      if (household.type !== "regular") return;
      const recent = { ...histories[i]!, purchases: histories[i]!.purchases.slice(-MAX_PURCHASES) };
      const [analysis] = analyzer.analyze([recent], OPTIONS.end);
      for (const { staple, personalFactor } of household.staples) {
        const prediction = analysis!.predictions.find((p) => p.category === staple.category);
        if (!prediction || prediction.purchaseDays < 4) continue;
        const dpu = staple.daysPerUnit * sizeFactor(staple, household.size) * personalFactor;
        const truth = prediction.lastQuantity * dpu + household.tripPeriod / 2;
        ratios.get(staple.key)!.push(prediction.intervalDays / truth);
      }
    });
  });

  it("learns each household's cadence for the quantity it last bought (median within ±12 %)", () => {
    for (const key of ["milk", "bread", "eggs", "cheese", "bananas"]) {
      const values = ratios.get(key)!;
      expect(values.length).toBeGreaterThan(50);
      expect(median(values)).toBeGreaterThan(0.88);
      expect(median(values)).toBeLessThan(1.12);
    }
  });
});
