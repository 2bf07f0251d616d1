// npm run bench:refresh-split [-- --processes N --rounds R] — how the refresh scales when it is spread
// over processes on one machine. It runs on the database DATABASE_URL names, after one
// `npm run refresh` (which stores the priors; without them the first child would fit them itself).
//
// Each round refreshes every customer twice, alternating the two layouts:
//   1. in one process;
//   2. split over N processes, with disjoint shares (every N-th id).
// Every process runs the Lambda handler (src/lambda/ai-customer-analysis.ts), the way a Step
// Functions map over shares would. Children get `npm run refresh`'s node flags.
//
// For each layout it reports: customers/s (customers ÷ wall time from "go" to the last child
// done), the speed-up, and the sum of the children's peak RSS.
//
// There is no goal. This measures whether spreading the refresh over cores could reach issue 5's
// 1,000 customers/s (see docs/BENCHMARKS.md, "Batch refresh").
import { fork } from "node:child_process";
import { intOption, parseCommandArgs } from "../src/cli/support/command";
import { loadConfig } from "../src/config";
import { openDatabase } from "../src/db/client";
import { handler } from "../src/lambda/ai-customer-analysis";
import { latestPriors } from "../src/predictions/store/priors-store";
import { nodeFlagsOfScript } from "./support/npm-script";
import { median } from "./support/stats";

interface ChildReport {
  /** Ids not refreshed: failed twice, or no such customer. */
  failed: number;
  peakRssMiB: number;
}

interface LayoutResult {
  processes: number;
  seconds: number;
  customersPerSecond: number;
  failed: number;
  peakRssMiBSum: number;
}

async function main(): Promise<void> {
  const { values } = parseCommandArgs({ processes: { type: "string" }, rounds: { type: "string" } });
  const processes = intOption("--processes", values.processes, { min: 2, max: 16, fallback: 2 });
  const rounds = intOption("--rounds", values.rounds, { min: 1, max: 10, fallback: 2 });

  const config = loadConfig();
  const db = openDatabase(config.databaseUrl);
  const ids = await (async () => {
    if (!(await latestPriors(db.prisma))) {
      throw new Error(`no stored priors in ${config.databaseUrl}: run \`npm run refresh\` on it once first`);
    }
    const rows = await db.prisma.customer.findMany({ select: { id: true }, orderBy: { id: "asc" } });
    return rows.map((row) => row.id);
  })().finally(() => db.close());

  console.log(
    `${ids.length} customers on ${config.databaseProvider}; ${rounds} round(s) of 1 vs ${processes} processes`,
  );
  const results: LayoutResult[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const n of [1, processes]) {
      const result = await refreshSplit(ids, n);
      results.push(result);
      console.log(
        `round ${round}, ${n} process(es): ${result.seconds.toFixed(1)} s, ` +
          `${Math.round(result.customersPerSecond)} customers/s, ${result.failed} failed, ` +
          `peak RSS ${Math.round(result.peakRssMiBSum)} MiB in all`,
      );
    }
  }
  const rate = (n: number) =>
    median(results.filter((r) => r.processes === n).map((r) => r.customersPerSecond));
  console.log(
    `median: 1 process ${Math.round(rate(1))} customers/s, ${processes} processes ${Math.round(rate(processes))} ` +
      `customers/s (× ${(rate(processes) / rate(1)).toFixed(2)})`,
  );
  if (results.some((r) => r.failed > 0)) process.exitCode = 1;
}

/** Child mode: waits for its share of ids, refreshes them, reports, exits. */
function child(): void {
  process.once("message", async (ids: number[]) => {
    const result = await handler({ customerIds: ids });
    const report: ChildReport = {
      failed: result.failed.length + result.notFound.length,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
    };
    process.send?.(report, () => process.exit(0));
  });
  process.send?.("ready");
}

// ---- private helpers ----

/** Forks n children, waits until all are ready, then times the refresh of every id across them. */
async function refreshSplit(ids: readonly number[], n: number): Promise<LayoutResult> {
  const children = Array.from({ length: n }, () =>
    fork(__filename, ["--child"], {
      execArgv: nodeFlagsOfScript("refresh"),
      env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL || "warn" },
      stdio: "inherit",
    }),
  );
  await Promise.all(children.map((c) => nextMessage(c)));
  const started = performance.now();
  const reports = (await Promise.all(
    children.map((c, i) => {
      const done = nextMessage(c);
      c.send(ids.filter((_, k) => k % n === i));
      return done;
    }),
  )) as ChildReport[];
  const seconds = (performance.now() - started) / 1000;
  return {
    processes: n,
    seconds,
    customersPerSecond: ids.length / seconds,
    failed: reports.reduce((sum, r) => sum + r.failed, 0),
    peakRssMiBSum: reports.reduce((sum, r) => sum + r.peakRssMiB, 0),
  };
}

function nextMessage(c: ReturnType<typeof fork>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) =>
      reject(new Error(`a refresh child exited with ${code} before reporting`));
    c.once("exit", onExit);
    c.once("message", (message) => {
      c.off("exit", onExit);
      resolve(message);
    });
  });
}

if (process.argv.includes("--child")) {
  child();
} else {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
