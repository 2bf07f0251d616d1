// Window calibration: on a population, the calibrated window holds about 80 % of held-out purchases of
// that population, with a tenth on either side; noisier customers get wider windows; too little data
// keeps the nominal levels.
import { DayClock } from "../../src/analysis/calendar";
import type { CustomerHistory, PopulationPriors } from "../../src/analysis/contract";
import { holdOutCases } from "../../src/analysis/holdout";
import { NOMINAL_WINDOW, PriorsBuilder } from "../../src/analysis/priors";
import { StatisticalAnalyzer } from "../../src/analysis/statistical-analyzer";
import { calibrateWindow, fitPopulationPriors } from "../../src/analysis/window-calibration";
import { customerRandom } from "../../src/datagen/random";

const DAY_MS = 86_400_000;
const START = Date.UTC(2026, 0, 1);
const clock = new DayClock();

/** Customers buying eggs every exp(N(log 8, 0.3²)) days per customer, each interval × exp(N(0, σ²)). */
function population(customers: number, intervalSd: number, seed = 11): CustomerHistory[] {
  return Array.from({ length: customers }, (_, c) => {
    const random = customerRandom(seed, c);
    const own = Math.log(8) + 0.3 * random.normal();
    let day = random.int(0, 9);
    const purchases = [];
    for (let i = 0; i < 10; i++) {
      purchases.push({
        purchasedAt: new Date(START + day * DAY_MS + 10 * 3_600_000),
        items: [{ sku: "E", productName: "Eggs", category: "EGGS", quantity: 1 }],
      });
      day += Math.max(1, Math.round(Math.exp(own + intervalSd * random.normal())));
    }
    return { customerId: `c${c}`, purchases };
  });
}

/** Share of held-out purchases before, inside and after the window, and the mean width in days. */
function windowStats(priors: PopulationPriors, histories: readonly CustomerHistory[]) {
  const analyzer = new StatisticalAnalyzer(priors);
  let before = 0;
  let after = 0;
  let width = 0;
  let n = 0;
  for (const history of histories) {
    for (const c of holdOutCases(history, clock)) {
      const [analysis] = analyzer.analyze([c.visible], clock.startOf(c.nowDay));
      const prediction = analysis!.predictions.find((p) => p.category === c.category)!;
      const start = clock.dayOf(prediction.windowStart);
      const end = clock.dayOf(prediction.windowEnd);
      if (c.actualDay < start) before++;
      if (c.actualDay > end) after++;
      width += end - start;
      n++;
    }
  }
  return { before: before / n, after: after / n, inside: 1 - (before + after) / n, width: width / n, n };
}

describe("calibrateWindow", () => {
  const histories = population(400, 0.25);
  const priors = fitPopulationPriors(histories);

  it("puts a tenth of the held-out purchases before the window and a tenth after it", () => {
    const stats = windowStats(priors, histories);
    expect(priors.window.calibratedOn).toBe(stats.n);
    expect(stats.inside).toBeGreaterThan(0.77);
    expect(stats.inside).toBeLessThan(0.85);
    expect(stats.before).toBeLessThanOrEqual(0.1);
    expect(stats.after).toBeLessThanOrEqual(0.1);
    expect(priors.window.lower).toBeLessThan(0.5);
    expect(priors.window.upper).toBeGreaterThan(0.5);
  });

  it("gives noisier customers wider windows", () => {
    const noisy = population(400, 0.5);
    const quiet = population(400, 0.1);
    const noisyWidth = windowStats(fitPopulationPriors(noisy), noisy).width;
    const quietWidth = windowStats(fitPopulationPriors(quiet), quiet).width;
    expect(noisyWidth).toBeGreaterThan(2 * quietWidth);
  });

  it("keeps the nominal 10th and 90th percentiles when there is too little to calibrate on", () => {
    const few = population(5, 0.25);
    const builder = new PriorsBuilder();
    for (const h of few) builder.add(h);
    const calibrated = calibrateWindow(builder.build(), builder.sample());
    expect(calibrated.window).toEqual(NOMINAL_WINDOW);
  });

  it("changes the fingerprint when it changes the levels", () => {
    const builder = new PriorsBuilder();
    for (const h of histories) builder.add(h);
    const nominal = builder.build();
    expect(priors.fingerprint).not.toBe(nominal.fingerprint);
    expect({ ...priors, window: nominal.window, fingerprint: "" }).toEqual({ ...nominal, fingerprint: "" });
  });
});
