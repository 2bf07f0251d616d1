// npm run bench:analyzer [-- --customers N --batch B] — how many customers per second the statistical
// analyzer analyses in-process (goal: ≥ 5,000 on the reference 2-core machine). The histories are
// generated synthetic customers cut to their newest 20 baskets, as the serving path hands them over;
// generating them and fitting the priors is not timed, only analyze() is. The garbage the set-up
// leaves behind is collected before timing, so it is not billed to the analyzer (its own garbage is).
import v8 from "node:v8";
import vm from "node:vm";
import { type CustomerHistory, MAX_PURCHASES } from "../src/analysis/contract";
import { fitPopulationPriors } from "../src/analysis/hazard-fit";
import { StatisticalAnalyzer } from "../src/analysis/statistical-analyzer";
import { intOption, parseCommandArgs } from "../src/cli/support/command";
import { syntheticHistories } from "../src/datagen/synthetic-histories";

const GOAL_CUSTOMERS_PER_SECOND = 5_000;
const ROUNDS = 5;

function main(): void {
  const { values } = parseCommandArgs({ customers: { type: "string" }, batch: { type: "string" } });
  const customers = intOption("--customers", values.customers, { min: 1, max: 1_000_000, fallback: 10_000 });
  // 100: a page of the API (at most 100 items), the batch the serving path will analyse at once.
  const batch = intOption("--batch", values.batch, { min: 1, max: 100_000, fallback: 100 });

  const end = new Date("2026-01-01T00:00:00Z");
  const histories: CustomerHistory[] = [];
  for (const history of syntheticHistories({ seed: 1, days: 365, end }, customers)) {
    histories.push({ ...history, purchases: history.purchases.slice(-MAX_PURCHASES) });
  }
  const priors = fitPopulationPriors(histories);
  const analyzer = new StatisticalAnalyzer(priors);
  collectGarbage();

  const rates: number[] = [];
  let predictions = 0;
  // Round 0 warms the JIT up and is not counted.
  for (let round = 0; round <= ROUNDS; round++) {
    const started = performance.now();
    predictions = 0;
    for (let first = 0; first < histories.length; first += batch) {
      for (const analysis of analyzer.analyze(histories.slice(first, first + batch), end)) {
        predictions += analysis.predictions.length;
      }
    }
    if (round > 0) rates.push(histories.length / ((performance.now() - started) / 1000));
  }
  rates.sort((a, b) => a - b);
  const median = rates[Math.floor(ROUNDS / 2)]!;
  console.log(
    [
      `analyzed ${customers} customers (newest ${MAX_PURCHASES} baskets each, batches of ${batch}) ${ROUNDS} times: ` +
        `${predictions} category predictions per round`,
      `throughput: median ${Math.round(median)} customers/s (best ${Math.round(rates[ROUNDS - 1]!)}, ` +
        `worst ${Math.round(rates[0]!)}; goal ≥ ${GOAL_CUSTOMERS_PER_SECOND}) ` +
        (median >= GOAL_CUSTOMERS_PER_SECOND ? "OK" : "BELOW GOAL"),
    ].join("\n"),
  );
  if (median < GOAL_CUSTOMERS_PER_SECOND) process.exitCode = 1;
}

/** A full garbage collection, without requiring node to be started with --expose-gc. */
function collectGarbage(): void {
  v8.setFlagsFromString("--expose-gc");
  (vm.runInNewContext("gc") as () => void)();
}

try {
  main();
} catch (error) {
  process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
