// npm run backtest -- <source> --as-of D1[,D2…] [--horizon 28] [--out f.jsonl] [--json] [--bootstrap N]
//                             [--time-zone Z]
// npm run backtest -- <source> --protocol last-purchase [--out f.jsonl] [--json] [--by-category]
//                             [--time-zone Z] [--ask-at previous-purchase|last-basket]
// Scores the analyzer against baselines (docs/PREDICTION.md). The default protocol is the forward exam
// of src/analysis/forward-exam.ts: as of each date, who buys what next. `--protocol last-purchase` is
// the older hold-out of each category's last purchase (src/analysis/holdout.ts). Sources:
//   db                          every customer of DATABASE_URL (migrated first, like every command)
//   completejourney <dir>       the Complete Journey CSVs of a folder, read directly (no database)
//   synthetic [--customers N] [--days D] [--seed S] [--end YYYY-MM-DD]
//                               the synthetic generator's customers, generated in memory (no database)
import fs from "node:fs";
import path from "node:path";
import { DateTime } from "luxon";
import {
  type BacktestReport,
  type HistorySource,
  type PredictionRecord,
  runBacktest,
} from "../analysis/backtest";
import { DayClock } from "../analysis/calendar";
import type { CustomerHistory, HistoryItem, HistoryPurchase } from "../analysis/contract";
import {
  DEFAULT_HORIZON,
  ExamInputError,
  type ForwardExamReport,
  type ForwardPredictionRecord,
  parseAsOfDays,
  runForwardExam,
} from "../analysis/forward-exam";
import type { AskAt } from "../analysis/holdout";
import { syntheticCategoryKind, syntheticHistories } from "../datagen/synthetic-histories";
import { InputError } from "../errors";
import { readCsvHeader, readCsvRecords } from "../importers/completejourney/csv-records";
import { PRODUCTS_FILE, TRANSACTIONS_FILE } from "../importers/completejourney/import";
import {
  locateColumns,
  PRODUCT_COLUMNS,
  parseProductRow,
  parseTransactionLine,
  TRANSACTION_COLUMNS,
} from "../importers/completejourney/rows";
import { STORE_TIME_ZONE } from "../importers/completejourney/store-time";
import { iterateHistories } from "../predictions/store/history-source";
import { intOption, parseCommandArgs, runCommand, UsageError } from "./support/command";
import { formatForwardReport } from "./support/forward-report";
import { createProgress } from "./support/progress";

const SOURCES =
  "<db | completejourney <dir> | synthetic [--customers N] [--days D] [--seed S] [--end YYYY-MM-DD]>";
const USAGE =
  `npm run backtest -- ${SOURCES} --as-of YYYY-MM-DD[,YYYY-MM-DD…] [--horizon 28] [--out predictions.jsonl] [--json] ` +
  "[--bootstrap 1000] [--time-zone Z]\n" +
  `       npm run backtest -- ${SOURCES} --protocol last-purchase [--out predictions.jsonl] [--json] [--by-category] ` +
  "[--time-zone Z] [--ask-at previous-purchase|last-basket]";

/** Rejected CSV rows printed one by one; beyond this only their number is. */
const PRINTED_REJECTIONS = 20;

type Source =
  | { kind: "db" }
  | { kind: "completejourney"; dir: string }
  | { kind: "synthetic"; customers: number; days: number; seed: number; end: Date };

type Protocol =
  | { name: "forward"; asOf: string[]; horizon: number; bootstrap: number }
  | { name: "last-purchase"; byCategory: boolean; askAt: AskAt };

interface BacktestArgs {
  source: Source;
  protocol: Protocol;
  out?: string;
  json: boolean;
  timeZone: string;
}

main();

function main(): void {
  let args: BacktestArgs;
  try {
    args = parseBacktestArgs(process.argv.slice(2));
  } catch (error) {
    process.exitCode = reportFailure(error);
    return;
  }
  if (args.source.kind === "db") {
    runCommand<BacktestArgs>({
      usage: USAGE,
      parse: () => args,
      run: ({ db }) =>
        backtest(args, "db (DATABASE_URL)", () =>
          iterateHistories(db.prisma, { purchasesPerCustomer: Number.POSITIVE_INFINITY }),
        ),
    });
    return;
  }
  // The files and the generator need no database: nothing is opened, migrated or created.
  const source = args.source;
  historySourceOf(source)
    .then(
      ({ label, histories }) => backtest(args, label, histories),
      (error: unknown) => {
        throw error;
      },
    )
    .then(
      (code) => {
        process.exitCode = code;
      },
      (error: unknown) => {
        process.exitCode = reportFailure(error);
      },
    );
}

// ---- arguments ----

function parseBacktestArgs(argv: string[]): BacktestArgs {
  const { values, positionals } = parseCommandArgs(
    {
      out: { type: "string" },
      json: { type: "boolean", default: false },
      "by-category": { type: "boolean", default: false },
      "time-zone": { type: "string" },
      "ask-at": { type: "string" },
      protocol: { type: "string" },
      "as-of": { type: "string" },
      horizon: { type: "string" },
      bootstrap: { type: "string" },
      customers: { type: "string" },
      days: { type: "string" },
      seed: { type: "string" },
      end: { type: "string" },
    },
    argv,
    true,
  );
  const [kind, dir, ...extra] = positionals;
  let source: Source;
  if (kind === "db") source = { kind };
  else if (kind === "completejourney") {
    if (!dir)
      throw new UsageError("completejourney: expected the folder holding products.csv and transactions.csv");
    source = { kind, dir };
  } else if (kind === "synthetic") {
    source = {
      kind,
      customers: intOption("--customers", values.customers, { min: 1, max: 1_000_000, fallback: 2_000 }),
      days: intOption("--days", values.days, { min: 1, max: 3_650, fallback: 365 }),
      seed: intOption("--seed", values.seed, { min: 0, max: 2_147_483_647, fallback: 1 }),
      end: values.end === undefined ? new Date("2026-01-01T00:00:00Z") : parseDay("--end", values.end),
    };
  } else {
    throw new UsageError(
      `expected a source (db, completejourney <dir> or synthetic), got ${kind === undefined ? "none" : JSON.stringify(kind)}`,
    );
  }
  const unexpected =
    source.kind === "completejourney" ? extra : [dir, ...extra].filter((x) => x !== undefined);
  if (unexpected.length) throw new UsageError(`unexpected argument ${JSON.stringify(unexpected[0])}`);
  if (source.kind !== "synthetic") {
    for (const name of ["customers", "days", "seed", "end"] as const) {
      if (values[name] !== undefined) throw new UsageError(`--${name} applies to the synthetic source only`);
    }
  }
  const timeZone = values["time-zone"] ?? (source.kind === "completejourney" ? STORE_TIME_ZONE : "UTC");
  try {
    new DayClock(timeZone);
  } catch (error) {
    throw new UsageError(`--time-zone: ${(error as Error).message.replace(/^timeZone: /, "")}`);
  }
  if (values.out !== undefined && !values.out) throw new UsageError("--out: expected a file name");
  return { source, protocol: parseProtocol(values), out: values.out, json: values.json, timeZone };
}

function parseProtocol(values: {
  protocol?: string;
  "as-of"?: string;
  horizon?: string;
  bootstrap?: string;
  "ask-at"?: string;
  "by-category"?: boolean;
}): Protocol {
  const name = values.protocol ?? "forward";
  const only = (options: string[], protocol: string) => {
    for (const option of options) {
      const value = values[option as keyof typeof values];
      if (value !== undefined && value !== false) {
        throw new UsageError(`--${option} applies to --protocol ${protocol} only`);
      }
    }
  };
  if (name === "last-purchase") {
    only(["as-of", "horizon", "bootstrap"], "forward");
    const askAt = values["ask-at"] ?? "previous-purchase";
    if (askAt !== "previous-purchase" && askAt !== "last-basket") {
      throw new UsageError(
        `--ask-at: expected previous-purchase or last-basket, got ${JSON.stringify(askAt)}`,
      );
    }
    return { name, askAt, byCategory: values["by-category"] ?? false };
  }
  if (name !== "forward") {
    throw new UsageError(`--protocol: expected forward or last-purchase, got ${JSON.stringify(name)}`);
  }
  only(["ask-at", "by-category"], "last-purchase");
  if (values["as-of"] === undefined) {
    throw new UsageError(
      "--as-of is required: the dates to predict as of, e.g. --as-of 2017-05-01,2017-06-01 (or --protocol last-purchase)",
    );
  }
  const asOf = values["as-of"].split(",").map((day) => day.trim());
  try {
    parseAsOfDays(asOf);
  } catch (error) {
    throw new UsageError(`--as-of: ${(error as Error).message.replace(/^asOf: /, "")}`);
  }
  return {
    name,
    asOf,
    horizon: intOption("--horizon", values.horizon, { min: 1, max: 365, fallback: DEFAULT_HORIZON }),
    bootstrap: intOption("--bootstrap", values.bootstrap, { min: 0, max: 100_000, fallback: 1_000 }),
  };
}

function parseDay(name: string, value: string): Date {
  const date = DateTime.fromFormat(value, "yyyy-MM-dd", { zone: "utc" });
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || !date.isValid) {
    throw new UsageError(`${name}: expected a calendar date as YYYY-MM-DD, got ${JSON.stringify(value)}`);
  }
  return date.toJSDate();
}

// ---- the run ----

async function backtest(args: BacktestArgs, label: string, histories: HistorySource): Promise<number> {
  const out = args.out ? new JsonLinesFile(args.out) : undefined;
  const { protocol } = args;
  let text: string;
  let json: object;
  try {
    if (protocol.name === "forward") {
      let report: ForwardExamReport;
      try {
        report = await runForwardExam(histories, {
          asOf: protocol.asOf,
          horizon: protocol.horizon,
          timeZone: args.timeZone,
          kindOf: args.source.kind === "synthetic" ? syntheticCategoryKind : undefined,
          onPrediction: out ? (record) => out.write(record) : undefined,
          bootstrap: { resamples: protocol.bootstrap, seed: 1 },
          // The display shows amounts and rates; the exam's per-step detail is left to --json.
          progress: (phase, total, unit) => createProgress({ label: phase, total: total ?? 0, unit }),
        });
      } catch (error) {
        // An as-of date the data cannot judge is a mistake in the call, said with the data's range.
        if (error instanceof ExamInputError) throw new UsageError(error.message);
        throw error;
      }
      text = formatForwardReport(label, report, args.out);
      json = report;
    } else {
      const report = await runBacktest(histories, {
        timeZone: args.timeZone,
        askAt: protocol.askAt,
        onPrediction: out ? (record) => out.write(record) : undefined,
        groupOf: protocol.byCategory ? (_customer, category) => category : undefined,
      });
      text = formatReport(label, report, args.out);
      json = report;
    }
  } finally {
    out?.close();
  }
  if (args.json) process.stdout.write(`${JSON.stringify({ source: label, ...json }, null, 2)}\n`);
  else process.stdout.write(text);
  return 0;
}

async function historySourceOf(
  source: Exclude<Source, { kind: "db" }>,
): Promise<{ label: string; histories: HistorySource }> {
  if (source.kind === "synthetic") {
    const { customers, days, seed, end } = source;
    const to = new Date(end.getTime() - 86_400_000).toISOString().slice(0, 10);
    return {
      label: `synthetic (seed ${seed}, ${customers} customers × ${days} days to ${to}, generated in memory)`,
      histories: () => syntheticHistories({ seed, days, end }, customers),
    };
  }
  const histories = await readCompleteJourney(source.dir);
  return { label: `completejourney (${source.dir})`, histories: () => histories };
}

// ---- Complete Journey, read straight from the CSVs with the importer's row rules ----

/** Every household's baskets. Rows the importer would reject are reported on stderr and left out. */
async function readCompleteJourney(dir: string): Promise<CustomerHistory[]> {
  const productsFile = path.join(dir, PRODUCTS_FILE);
  const transactionsFile = path.join(dir, TRANSACTIONS_FILE);
  const productLayout = locateColumns(productsFile, await header(productsFile), PRODUCT_COLUMNS);
  const transactionLayout = locateColumns(
    transactionsFile,
    await header(transactionsFile),
    TRANSACTION_COLUMNS,
  );
  let rejected = 0;
  const reject = (file: string, line: number, reason: string) => {
    if (++rejected <= PRINTED_REJECTIONS) process.stderr.write(`${file}:${line}: ${reason}\n`);
  };

  const products = new Map<string, { productName: string; category: string }>();
  for await (const { fields, line } of readCsvRecords(productsFile, (l, r) => reject(productsFile, l, r))) {
    const outcome = parseProductRow(fields, productLayout);
    if (outcome.kind === "rejected") reject(productsFile, line, outcome.reason);
    else if (outcome.kind === "accepted") {
      products.set(outcome.value.sku, { productName: outcome.value.name, category: outcome.value.category });
    }
  }

  const baskets = new Map<
    string,
    { household: string; purchase: { purchasedAt: Date; items: HistoryItem[] } }
  >();
  const records = readCsvRecords(transactionsFile, (l, r) => reject(transactionsFile, l, r));
  for await (const { fields, line } of records) {
    const outcome = parseTransactionLine(fields, transactionLayout);
    if (outcome.kind === "skipped") continue;
    if (outcome.kind === "rejected") {
      reject(transactionsFile, line, outcome.reason);
      continue;
    }
    const { householdId, basketId, sku, purchasedAt, quantity } = outcome.value;
    const product = products.get(sku);
    if (!product) {
      reject(transactionsFile, line, `product ${sku} is not in ${PRODUCTS_FILE}`);
      continue;
    }
    let basket = baskets.get(basketId);
    if (!basket) {
      basket = { household: householdId, purchase: { purchasedAt, items: [] } };
      baskets.set(basketId, basket);
    }
    basket.purchase.items.push({ sku, ...product, quantity });
  }
  if (rejected > PRINTED_REJECTIONS) {
    process.stderr.write(`… and ${rejected - PRINTED_REJECTIONS} more rejected rows (${rejected} in all)\n`);
  }

  const byHousehold = new Map<string, HistoryPurchase[]>();
  for (const { household, purchase } of baskets.values()) {
    const own = byHousehold.get(household);
    if (own) own.push(purchase);
    else byHousehold.set(household, [purchase]);
  }
  return [...byHousehold.entries()]
    .sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true }))
    .map(([customerId, purchases]) => ({ customerId, purchases }));
}

async function header(file: string): Promise<string[]> {
  let row: string[] | undefined;
  try {
    row = await readCsvHeader(file);
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    const what = code === "ENOENT" ? "no such file" : `cannot be read (${message})`;
    throw new InputError(`${file}: ${what} (expected the Complete Journey ${path.basename(file)})`);
  }
  if (!row) throw new InputError(`${file}: empty (expected a header row)`);
  return row;
}

// ---- output ----

/** Writes JSON lines synchronously in 64 kB blocks: the run never holds more than one block. */
class JsonLinesFile {
  private readonly fd: number;
  private buffer = "";

  constructor(file: string) {
    try {
      this.fd = fs.openSync(file, "w");
    } catch (error) {
      throw new InputError(`--out ${file}: cannot be written (${(error as Error).message})`);
    }
  }

  write(record: PredictionRecord | ForwardPredictionRecord): void {
    this.buffer += `${JSON.stringify(record)}\n`;
    if (this.buffer.length >= 65_536) this.flush();
  }

  close(): void {
    this.flush();
    fs.closeSync(this.fd);
  }

  private flush(): void {
    if (this.buffer) fs.writeSync(this.fd, this.buffer);
    this.buffer = "";
  }
}

function formatReport(label: string, report: BacktestReport, out: string | undefined): string {
  const n = (value: number) => value.toLocaleString("en-US");
  const { protocol, hazard } = report;
  const lines = [
    `Backtest on ${label}: ${n(report.customers)} customers, ${n(report.customersWithCases)} with held-out purchases`,
    `protocol: per customer × category with ≥ ${protocol.minPurchaseDays} distinct purchase days, the last one is held out; ` +
      (protocol.askAt === "previous-purchase"
        ? `the analyzer sees the newest ${protocol.maxPurchases} baskets up to the category's previous purchase day, now = the day after it`
        : `the analyzer sees the newest ${protocol.maxPurchases} baskets before the held-out day, now = the day after the last of them ` +
          "(--ask-at last-basket: the held-out purchase is then always the next trip, so this gives the answer away)") +
      ` (days in ${protocol.timeZone})`,
    `analyzer: ${report.analyzerVersion}; priors for ${n(report.priorCategories)} categories from the training side, ` +
      `hazard fitted on ${n(hazard.cases)} training cases (${n(hazard.events)} purchases in ${n(hazard.exposureDays)} days at risk)`,
    "",
    ...scoreTable(report.scores),
  ];
  const [analyzer, ...baselines] = report.scores;
  const best = baselines.reduce((a, b) => (b.mae < a.mae ? b : a));
  const mean = baselines.find((b) => b.predictor === "customer mean interval")!;
  const change = (a: number, b: number) => `${(((a - b) / b) * 100).toFixed(1)} %`;
  lines.push(
    "",
    `analyzer MAE vs the best baseline (${best.predictor}): ${change(analyzer!.mae, best.mae)}; ` +
      `vs customer mean interval: ${change(analyzer!.mae, mean.mae)}`,
    `confidence: mean ${report.confidence.mean.toFixed(3)}, observed share within its tolerance ${report.confidence.hitRate.toFixed(3)}`,
  );
  if (report.hindsight) {
    const { interval, mae } = report.hindsight;
    lines.push(
      `for scale (not a predictor: chosen on the held-out answers): previous purchase + ${interval} days for every case, ` +
        `MAE ${mae.toFixed(2)} (${change(mae, best.mae)} vs the best baseline, ${change(mae, mean.mae)} vs customer mean interval)`,
    );
  }
  for (const [group, scores] of Object.entries(report.groups)) {
    lines.push("", `${group}:`, ...scoreTable(scores));
  }
  if (out) lines.push("", `predictions written to ${out}`);
  return `${lines.join("\n")}\n`;
}

function scoreTable(scores: BacktestReport["scores"]): string[] {
  const rows = scores.map((s) => [
    s.predictor,
    s.n.toLocaleString("en-US"),
    s.mae.toFixed(2),
    s.medianAe.toFixed(1),
    s.coverage === null ? "—" : s.coverage.toFixed(3),
  ]);
  const head = ["predictor", "n", "MAE (days)", "median AE", "80 % coverage"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const format = (row: string[]) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ");
  return [format(head), ...rows.map(format)];
}

// ---- errors, as runCommand reports them ----

function reportFailure(error: unknown): number {
  if (error instanceof UsageError) {
    process.stderr.write(`error: ${error.message}\nusage: ${USAGE}\n`);
    return 2;
  }
  process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  return 1;
}
