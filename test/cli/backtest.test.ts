// npm run backtest: the forward exam from the command line (arguments, the report, --out, --json),
// the older protocol still behind --protocol last-purchase, and the exam on the real Complete Journey
// sample when it is present (skipped with a message when not).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ForwardExamReport } from "../../src/analysis/forward-exam";
import { projectRoot } from "../../src/project-root";
import { runCli } from "../support/run-cli";

const SYNTHETIC = ["synthetic", "--customers", "30", "--days", "120", "--seed", "2"]; // 2025-09-03 … 2025-12-31
const OUT_LINE =
  /^\{"customer":"[^"]+","category":"[^"]+","asOf":"\d{4}-\d{2}-\d{2}","predicted":"\d{4}-\d{2}-\d{2}","windowStart":"\d{4}-\d{2}-\d{2}","windowEnd":"\d{4}-\d{2}-\d{2}","probabilityWithin":\{"7":[\d.e-]+,"14":[\d.e-]+,"28":[\d.e-]+\}\}$/;

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "cai-backtest-"));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("npm run backtest (forward exam)", () => {
  it.each([
    [[], "--as-of is required"],
    [["--as-of", "2025-13-01"], '--as-of: expected calendar dates as YYYY-MM-DD, got "2025-13-01"'],
    [
      ["--as-of", "2025-11-01", "--ask-at", "last-basket"],
      "--ask-at applies to --protocol last-purchase only",
    ],
    [
      ["--as-of", "2025-11-01", "--horizon", "0"],
      '--horizon: expected a whole number from 1 to 365, got "0"',
    ],
    [["--protocol", "last-purchase", "--as-of", "2025-11-01"], "--as-of applies to --protocol forward only"],
    [["--protocol", "weekly"], '--protocol: expected forward or last-purchase, got "weekly"'],
  ])(
    "refuses %j with the usage (exit 2)",
    async (args, message) => {
      const result = await runCli("backtest", [...SYNTHETIC, ...args], {});
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`error: ${message}`);
      expect(result.stderr).toContain("usage: npm run backtest --");
      expect(result.stdout).toBe("");
    },
    60_000,
  );

  it("refuses a date the data cannot judge, naming the latest one allowed", async () => {
    const result = await runCli("backtest", [...SYNTHETIC, "--as-of", "2025-12-15"], {});
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "error: as of 2025-12-15: expected at least 28 days of data from it on to judge a 28-day horizon",
    );
    expect(result.stderr).toMatch(/the latest as-of date allowed is 2025-12-0[34]/);
  }, 60_000);

  it("prints every predictor side by side and writes one line per prediction", async () => {
    const out = path.join(dir, "forward.jsonl");
    const result = await runCli(
      "backtest",
      [...SYNTHETIC, "--as-of", "2025-11-01,2025-12-01", "--bootstrap", "50", "--out", out],
      {},
    );
    expect(result.stderr).not.toContain("error");
    expect(result.code).toBe(0);
    const text = result.stdout;
    expect(text).toMatch(/^Forward exam on synthetic \(seed 2, 30 customers × 120 days/);
    for (const predictor of [
      "analyzer",
      "customer mean interval",
      "customer median interval",
      "category global median interval",
      "Poisson-Gamma",
    ]) {
      expect(text).toContain(`\n${predictor} `);
    }
    expect(text).toContain("kind: staple");
    expect(text).toContain("kind: occasional");
    expect(text).toContain("paired bootstrap over customers, 50 resamples");
    expect(text).toMatch(/\n {2}vs Poisson-Gamma: MAE@28 [+−]\d+\.\d+ \[[+−]\d+\.\d+, [+−]\d+\.\d+\]; AUC7 /);
    const lines = fs.readFileSync(out, "utf8").trim().split("\n");
    const cases = Number(/, ([\d,]+) cases\n/.exec(text)![1]!.replaceAll(",", ""));
    expect(lines).toHaveLength(cases);
    for (const line of lines) expect(line).toMatch(OUT_LINE);
  }, 120_000);

  it("prints the report as JSON with --json", async () => {
    const result = await runCli(
      "backtest",
      [...SYNTHETIC, "--as-of", "2025-11-01", "--bootstrap", "0", "--json"],
      {},
    );
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as ForwardExamReport & { source: string };
    expect(report.protocol).toMatchObject({
      name: "forward",
      asOf: ["2025-11-01"],
      horizon: 28,
      timeZone: "UTC",
    });
    expect(report.overall.scores.map((s) => s.predictor)).toEqual([
      "analyzer",
      "customer mean interval",
      "customer median interval",
      "category global median interval",
      "Poisson-Gamma",
    ]);
    expect(report.differences.overall.every((d) => d.interval === null)).toBe(true);
  }, 120_000);

  it("still runs the last-purchase hold-out with --protocol last-purchase", async () => {
    const result = await runCli("backtest", [...SYNTHETIC, "--protocol", "last-purchase", "--json"], {});
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.protocol).toMatchObject({ askAt: "previous-purchase", minPurchaseDays: 4 });
    expect(report.scores[0].predictor).toBe("statistical analyzer");
  }, 120_000);
});

// ../shared next to the checkout; a worktree sits one level deeper.
const CANDIDATES = ["../shared/data/completejourney", "../../shared/data/completejourney"].map((dir) =>
  path.resolve(projectRoot(), dir),
);
const hasData = (dir: string) =>
  ["products.csv", "transactions.csv"].every((file) => fs.existsSync(path.join(dir, file)));
const DATA_DIR = CANDIDATES.find(hasData);
const PRESENT = DATA_DIR !== undefined;
if (!PRESENT) {
  process.stdout.write(
    `skipping the Complete Journey forward exam: no products.csv and transactions.csv in ${CANDIDATES.join(" or ")}\n`,
  );
}

(PRESENT ? describe : describe.skip)("npm run backtest on the real Complete Journey sample", () => {
  it("examines the households as of two dates, in New York days", async () => {
    const out = path.join(dir, "completejourney.jsonl");
    const result = await runCli(
      "backtest",
      [
        "completejourney",
        DATA_DIR!,
        "--as-of",
        "2017-10-01,2017-11-01",
        "--bootstrap",
        "100",
        "--json",
        "--out",
        out,
      ],
      {},
    );
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as ForwardExamReport;
    expect(report.protocol).toMatchObject({
      timeZone: "America/New_York",
      dataFirstDay: "2017-01-01",
      dataLastDay: "2017-12-31",
      kinds: "cadence class",
    });
    expect(report.overall.cases).toBeGreaterThan(5_000);
    const analyzer = report.overall.scores[0]!;
    expect(analyzer.coverage).toBe(1);
    const lines = fs.readFileSync(out, "utf8").trim().split("\n");
    expect(lines).toHaveLength(report.overall.cases);
    for (const line of lines) {
      expect(line).toMatch(OUT_LINE);
      const record = JSON.parse(line);
      expect(record.predicted >= record.asOf).toBe(true);
      expect(record.windowStart <= record.predicted && record.predicted <= record.windowEnd).toBe(true);
      const p = record.probabilityWithin;
      expect(p["7"] <= p["14"] && p["14"] <= p["28"] && p["28"] <= 1).toBe(true);
    }
  }, 300_000);
});
