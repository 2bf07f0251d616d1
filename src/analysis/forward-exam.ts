// The forward exam (issue 16; docs/PREDICTION.md, "The exam"): predictions as users ask for them, "as of
// today". For each as-of day T:
//   - everything fitted (the analyzer's priors and hazard, every baseline) learns from
//     purchases before T only;
//   - each customer shows the analyzer their newest 20 baskets before T, and is asked at T's midnight;
//   - a case is a customer × category bought on ≥ 2 distinct days among those baskets; its truth is the
//     first day ≥ T the category is bought (none: not before the data ends).
// Every score is judged at the horizon H (exam-metrics.ts), and only as-of days with at least
// max(H, 7) days of data from T on are allowed, so the end of the data never decides a score.
// Memory holds the fitted models and a few numbers per case, never the histories: `source` is read
// once for the data's range and the baselines' fits, once per as-of day for the analyzer's fit, and
// once more for the exam. No I/O here.
import type { HistorySource } from "./backtest";
import { BASELINE_NAMES, baselineDays, CategoryIntervalMedians } from "./baselines";
import { DayClock } from "./calendar";
import {
  type Analyzer,
  type CategoryPrediction,
  type CustomerAnalysis,
  type CustomerHistory,
  MAX_PURCHASES,
} from "./contract";
import {
  type BootstrapOptions,
  bootstrapIntervals,
  type ExamCase,
  ExamTable,
  type Interval,
  type PredictorAnswer,
  type PredictorMetrics,
  type PredictorSpec,
  WITHIN_DAYS,
} from "./exam-metrics";
import { fitHazard } from "./hazard-fit";
import { datedBaskets, purchaseDaysByCategory } from "./holdout";
import {
  PoissonGammaFit,
  type PoissonGammaPriors,
  posteriorRate,
  probabilityWithinAtRate,
  quantileDay,
} from "./poisson-gamma";
import { PriorsBuilder } from "./priors";
import { probabilityWithin } from "./probability";
import { StatisticalAnalyzer } from "./statistical-analyzer";

export const ANALYZER = "analyzer";
export const POISSON_GAMMA = "Poisson-Gamma";
/** Every predictor of the exam, the analyzer first. */
export const EXAM_PREDICTORS: readonly PredictorSpec[] = [
  { name: ANALYZER, probabilistic: true, window: true },
  ...BASELINE_NAMES.map((name) => ({ name, probabilistic: false, window: false })),
  { name: POISSON_GAMMA, probabilistic: true, window: true },
];
export const DEFAULT_HORIZON = 28;
/** A case needs the category on this many distinct days among the visible baskets. */
export const CASE_PURCHASE_DAYS = 2;
/** Kinds of category when the source names none: by the category's median interval before T. */
export const CADENCE_CLASSES = [
  { upTo: 14, name: "category median interval ≤ 14 days" },
  { upTo: 42, name: "category median interval 15–42 days" },
  { upTo: Number.POSITIVE_INFINITY, name: "category median interval > 42 days" },
] as const;

/** What an analyzer fit may know: the as-of day, and the calendar and window the exam uses. */
export interface FitContext {
  /** T as a calendar day (days since 1970-01-01) and as the instant the analyzer is asked at. */
  asOfDay: number;
  asOf: Date;
  timeZone: string;
  maxPurchases: number;
}

/**
 * Fits an analyzer on `training`: every customer's purchases before T (called as often as the fit
 * needs to stream them).
 */
export type AnalyzerFit = (training: HistorySource, context: FitContext) => Analyzer | Promise<Analyzer>;

/** A unit of work done, for a progress display (see src/cli/support/progress.ts). */
export interface ExamProgress {
  increment(n?: number, detail?: string): void;
  stop(): void;
}

export interface ForwardExamOptions {
  /** The as-of days, "YYYY-MM-DD" calendar days of `timeZone`. */
  asOf: readonly string[];
  /** Days every score is judged over (default 28). */
  horizon?: number;
  /** Calendar of the purchases (default UTC). */
  timeZone?: string;
  /** Baskets the analyzer sees per customer (default 20). */
  maxPurchases?: number;
  /** Default: the statistical analyzer, priors and hazard fitted on the training side. */
  fitAnalyzer?: AnalyzerFit;
  /** The kind of a category (e.g. staple / occasional); default: its cadence class before T. */
  kindOf?: (category: string) => string;
  /** Called for every analyzer prediction of a case, in the order cases are scored (e.g. --out). */
  onPrediction?: (record: ForwardPredictionRecord) => void;
  /** Histories analysed per analyzer call (default 500). */
  batchSize?: number;
  /** Resamples (0: no intervals) and seed of the paired bootstrap; default 1,000 and 1. */
  bootstrap?: BootstrapOptions;
  /** Starts a progress display for one phase of the run. */
  progress?: (label: string, total: number | undefined, unit: string) => ExamProgress;
}

/** One analyzer prediction as `--out` writes it: days are YYYY-MM-DD of the exam's calendar. */
export interface ForwardPredictionRecord {
  customer: string;
  category: string;
  asOf: string;
  predicted: string;
  windowStart: string;
  windowEnd: string;
  /** P(bought on a day in [asOf, asOf + d)) for d = 7, 14, 28. */
  probabilityWithin: { "7": number; "14": number; "28": number };
}

/** The analyzer's score minus a baseline's, with its 95 % paired-bootstrap interval. */
export interface Difference {
  baseline: string;
  metric: "maeAtH" | "auc7" | "brier7";
  difference: number;
  /** null without a bootstrap, or when no resample could compute it. */
  interval: Interval | null;
}

export interface ScoreGroup {
  /** Cases in it, and the shares of them bought within 7 days and within the horizon. */
  cases: number;
  buyersWithin7: number;
  buyersWithinHorizon: number;
  scores: PredictorMetrics[];
}

export interface ForwardExamReport {
  protocol: {
    name: "forward";
    asOf: string[];
    horizon: number;
    maxPurchases: number;
    casePurchaseDays: number;
    withinDays: number;
    timeZone: string;
    /** First and last day with a purchase in the data. */
    dataFirstDay: string;
    dataLastDay: string;
    /** How cases are grouped by kind of category. */
    kinds: "source" | "cadence class";
    bootstrap: { resamples: number; seed: number };
  };
  /** The analyzer's version at each as-of day (it is refitted on each). */
  analyzerVersions: Record<string, string>;
  /** Histories read; customers with at least one case. */
  customers: number;
  customersWithCases: number;
  overall: ScoreGroup;
  byKind: Record<string, ScoreGroup>;
  byAsOf: Record<string, ScoreGroup>;
  /** Analyzer − each baseline, overall and by kind. */
  differences: { overall: Difference[]; byKind: Record<string, Difference[]> };
}

/** A bad as-of list or horizon for this data: the caller's mistake, not a failure of the exam. */
export class ExamInputError extends RangeError {
  override name = "ExamInputError";
}

/**
 * Runs the exam over the histories `source` yields.
 *
 * @example
 *   const report = await runForwardExam(() => histories, { asOf: ["2017-05-01", "2017-06-01"], timeZone: "America/New_York" });
 *   report.overall.scores[0]; // { predictor: "analyzer", maeAtH: 17.1, auc7: 0.45, … }
 * @throws ExamInputError for malformed or unjudgeable as-of days or horizon.
 */
export async function runForwardExam(
  source: HistorySource,
  options: ForwardExamOptions,
): Promise<ForwardExamReport> {
  const clock = new DayClock(options.timeZone);
  const horizon = options.horizon ?? DEFAULT_HORIZON;
  if (!Number.isInteger(horizon) || horizon < 1 || horizon > 365) {
    throw new ExamInputError(`horizon: expected a whole number of days from 1 to 365, got ${horizon}`);
  }
  const maxPurchases = options.maxPurchases ?? MAX_PURCHASES;
  const asOfDays = parseAsOfDays(options.asOf);
  const fitAnalyzer = options.fitAnalyzer ?? fitStatisticalAnalyzer;
  const startProgress = options.progress ?? (() => ({ increment() {}, stop() {} }));

  // Pass 1: the data's range, and the baselines' fits before each T.
  const baselines = asOfDays.map((day) => ({
    medians: new CategoryIntervalMedians(clock),
    poissonGamma: new PoissonGammaFit(),
    day,
  }));
  let firstDay = Number.POSITIVE_INFINITY;
  let lastDay = Number.NEGATIVE_INFINITY;
  let customers = 0;
  let progress = startProgress("reading the data, fitting the baselines", undefined, "customers");
  for await (const history of source()) {
    customers++;
    const baskets = datedBaskets(history.purchases, clock);
    if (baskets.length) {
      firstDay = Math.min(firstDay, baskets[0]!.day);
      lastDay = Math.max(lastDay, baskets[baskets.length - 1]!.day);
    }
    for (const fit of baselines) {
      const end = firstIndexOnOrAfter(baskets, fit.day);
      fit.medians.add({
        customerId: history.customerId,
        purchases: baskets.slice(0, end).map((b) => b.purchase),
      });
      for (const [category, days] of purchaseDaysByCategory(
        baskets.slice(Math.max(0, end - maxPurchases), end),
      )) {
        fit.poissonGamma.add(category, { repeats: days.length - 1, exposureDays: fit.day - days[0]! });
      }
    }
    progress.increment();
  }
  progress.stop();
  checkJudgeable(asOfDays, horizon, firstDay, lastDay, clock);
  const pgPriors = baselines.map((fit) => fit.poissonGamma.build());

  // One analyzer per T, fitted on the purchases before it.
  const analyzers: Analyzer[] = [];
  for (const [k, day] of asOfDays.entries()) {
    progress = startProgress(
      `fitting the analyzer as of ${clock.format(day)} (${k + 1}/${asOfDays.length})`,
      customers,
      "customers",
    );
    const training: HistorySource = () => countingBefore(source(), clock, day, progress);
    analyzers.push(
      await fitAnalyzer(training, {
        asOfDay: day,
        asOf: clock.startOf(day),
        timeZone: clock.timeZone,
        maxPurchases,
      }),
    );
    progress.stop();
  }

  // Pass 3: the exam.
  const table = new ExamTable(EXAM_PREDICTORS);
  const kinds = new Kinds();
  const scorer = new Scorer({
    clock,
    asOfDays,
    lastDay,
    analyzers,
    medians: baselines.map((fit) => fit.medians),
    pgPriors,
    table,
    kindOf: options.kindOf,
    kinds,
    onPrediction: options.onPrediction,
  });
  const batchSize = options.batchSize ?? 500;
  progress = startProgress("examining", customers, "customers");
  let pending: Question[] = [];
  let customersWithCases = 0;
  let cases = 0;
  for await (const history of source()) {
    const questions = [...forwardQuestions(history, clock, asOfDays, maxPurchases)];
    if (questions.some((q) => q.cases.length)) {
      const customer = customersWithCases++;
      for (const q of questions) {
        if (!q.cases.length) continue;
        pending.push({ ...q, customer });
        cases += q.cases.length;
      }
    }
    if (pending.length >= batchSize) {
      await scorer.score(pending);
      pending = [];
    }
    progress.increment(1, `${cases.toLocaleString("en-US")} cases`);
  }
  await scorer.score(pending);
  progress.stop();

  const bootstrap = { resamples: options.bootstrap?.resamples ?? 1_000, seed: options.bootstrap?.seed ?? 1 };
  const report = summarize(table, kinds.names, asOfDays, horizon, clock, bootstrap, startProgress);
  return {
    protocol: {
      name: "forward",
      asOf: asOfDays.map((day) => clock.format(day)),
      horizon,
      maxPurchases,
      casePurchaseDays: CASE_PURCHASE_DAYS,
      withinDays: WITHIN_DAYS,
      timeZone: clock.timeZone,
      dataFirstDay: clock.format(firstDay),
      dataLastDay: clock.format(lastDay),
      kinds: options.kindOf ? "source" : "cadence class",
      bootstrap,
    },
    analyzerVersions: Object.fromEntries(
      asOfDays.map((day, k) => [clock.format(day), analyzers[k]!.version]),
    ),
    customers,
    customersWithCases,
    ...report,
  };
}

/**
 * The default fit: the statistical analyzer's priors on the training side, its hazard fitted on the
 * same at earlier as-of dates (src/analysis/hazard-fit.ts), the data ending at T.
 */
export async function fitStatisticalAnalyzer(
  training: HistorySource,
  context: FitContext,
): Promise<Analyzer> {
  const builder = new PriorsBuilder({ timeZone: context.timeZone });
  for await (const history of training()) builder.add(history);
  const priors = fitHazard(builder.build(), builder.sample(), {
    timeZone: context.timeZone,
    maxPurchases: context.maxPurchases,
    endDay: context.asOfDay,
  });
  return new StatisticalAnalyzer(priors, { timeZone: context.timeZone, maxPurchases: context.maxPurchases });
}

/** One customer at one as-of day: what the analyzer sees, and the cases it is judged on. */
export interface ForwardQuestion {
  customerId: string;
  asOfDay: number;
  /** The newest `maxPurchases` baskets before T, oldest first. */
  visible: CustomerHistory;
  cases: ForwardCase[];
}

export interface ForwardCase {
  category: string;
  /** Its distinct purchase days among the visible baskets, ascending (at least two). */
  purchaseDays: number[];
  /** The first day ≥ T it is bought; undefined when not before the data ends. */
  actualDay: number | undefined;
}

/**
 * The questions one history yields, one per as-of day with at least one visible basket, categories in
 * name order.
 *
 * @example
 *   for (const q of forwardQuestions(history, clock, [day], 20)) analyzer.analyze([q.visible], clock.startOf(q.asOfDay));
 */
export function* forwardQuestions(
  history: CustomerHistory,
  clock: DayClock,
  asOfDays: readonly number[],
  maxPurchases = MAX_PURCHASES,
): Generator<ForwardQuestion> {
  const baskets = datedBaskets(history.purchases, clock);
  for (const asOfDay of asOfDays) {
    const end = firstIndexOnOrAfter(baskets, asOfDay);
    if (end === 0) continue;
    const visible = baskets.slice(Math.max(0, end - maxPurchases), end);
    const repeated = purchaseDaysByCategory(visible).filter(([, days]) => days.length >= CASE_PURCHASE_DAYS);
    const next = new Map<string, number>();
    const wanted = new Set(repeated.map(([category]) => category));
    for (let i = end; i < baskets.length && next.size < wanted.size; i++) {
      for (const item of baskets[i]!.purchase.items) {
        if (item.quantity > 0 && wanted.has(item.category) && !next.has(item.category)) {
          next.set(item.category, baskets[i]!.day);
        }
      }
    }
    yield {
      customerId: history.customerId,
      asOfDay,
      visible: { customerId: history.customerId, purchases: visible.map((b) => b.purchase) },
      cases: repeated.map(([category, purchaseDays]) => ({
        category,
        purchaseDays,
        actualDay: next.get(category),
      })),
    };
  }
}

/**
 * The as-of days as calendar day numbers, ascending.
 *
 * @throws ExamInputError for an empty list, a malformed or impossible date, or a repeated one.
 */
export function parseAsOfDays(values: readonly string[]): number[] {
  if (!values.length) throw new ExamInputError("asOf: expected at least one YYYY-MM-DD date, got none");
  const days = values.map((value) => {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
    const ms = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : Number.NaN;
    if (!match || new Date(ms).toISOString().slice(0, 10) !== value) {
      throw new ExamInputError(`asOf: expected calendar dates as YYYY-MM-DD, got ${JSON.stringify(value)}`);
    }
    return ms / 86_400_000;
  });
  const sorted = [...days].sort((a, b) => a - b);
  const repeated = sorted.find((day, i) => i > 0 && sorted[i - 1] === day);
  if (repeated !== undefined) {
    throw new ExamInputError(
      `asOf: expected distinct dates, got ${new Date(repeated * 86_400_000).toISOString().slice(0, 10)} twice`,
    );
  }
  return sorted;
}

// ---- private helpers ----

/** Every score needs H days (and the 7 of "within 7 days") observed from T on, and some data before T. */
function checkJudgeable(
  asOfDays: readonly number[],
  horizon: number,
  firstDay: number,
  lastDay: number,
  clock: DayClock,
): void {
  if (!Number.isFinite(lastDay)) throw new ExamInputError("the data holds no purchases: nothing to examine");
  const needed = Math.max(horizon, WITHIN_DAYS);
  const range = `the data runs from ${clock.format(firstDay)} to ${clock.format(lastDay)}`;
  for (const day of asOfDays) {
    if (day <= firstDay) {
      throw new ExamInputError(
        `as of ${clock.format(day)}: expected a date after the first purchase (${range})`,
      );
    }
    if (day + needed - 1 > lastDay) {
      throw new ExamInputError(
        `as of ${clock.format(day)}: expected at least ${needed} days of data from it on to judge a ${horizon}-day horizon ` +
          `(${range}; the latest as-of date allowed is ${clock.format(lastDay - needed + 1)})`,
      );
    }
  }
}

/** The index of the first basket on or after `day` (baskets sorted by time). */
function firstIndexOnOrAfter(baskets: ReadonlyArray<{ day: number }>, day: number): number {
  let low = 0;
  let high = baskets.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (baskets[mid]!.day < day) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Each history cut to its purchases before `day`, counted for progress. */
async function* countingBefore(
  histories: AsyncIterable<CustomerHistory> | Iterable<CustomerHistory>,
  clock: DayClock,
  day: number,
  progress: ExamProgress,
): AsyncGenerator<CustomerHistory> {
  const end = clock.startOf(day).getTime();
  for await (const history of histories) {
    yield {
      customerId: history.customerId,
      purchases: history.purchases.filter((p) => p.purchasedAt.getTime() < end),
    };
    progress.increment();
  }
}

interface Question extends ForwardQuestion {
  /** Index of the customer among those with cases (the bootstrap's unit). */
  customer: number;
}

/** Names of the kinds of category, in order of first appearance. */
class Kinds {
  readonly names: string[] = [];
  private readonly index = new Map<string, number>();

  of(name: string): number {
    let i = this.index.get(name);
    if (i === undefined) {
      i = this.names.length;
      this.names.push(name);
      this.index.set(name, i);
    }
    return i;
  }
}

interface ScorerContext {
  clock: DayClock;
  asOfDays: readonly number[];
  lastDay: number;
  analyzers: readonly Analyzer[];
  medians: readonly CategoryIntervalMedians[];
  pgPriors: readonly PoissonGammaPriors[];
  table: ExamTable;
  kindOf: ((category: string) => string) | undefined;
  kinds: Kinds;
  onPrediction: ForwardExamOptions["onPrediction"];
}

/** Asks the analyzer and every baseline, and records their answers. */
class Scorer {
  constructor(private readonly ctx: ScorerContext) {}

  async score(questions: readonly Question[]): Promise<void> {
    const { asOfDays, analyzers, clock } = this.ctx;
    for (const [k, asOfDay] of asOfDays.entries()) {
      const asked = questions.filter((q) => q.asOfDay === asOfDay);
      if (!asked.length) continue;
      const analyses: CustomerAnalysis[] = await analyzers[k]!.analyze(
        asked.map((q) => q.visible),
        clock.startOf(asOfDay),
      );
      asked.forEach((q, i) => {
        const predictions = new Map(analyses[i]!.predictions.map((p) => [p.category, p]));
        for (const c of q.cases) this.scoreCase(q, k, c, predictions.get(c.category));
      });
    }
  }

  private scoreCase(
    q: Question,
    k: number,
    c: ForwardCase,
    prediction: CategoryPrediction | undefined,
  ): void {
    const { clock, lastDay, medians, pgPriors, table, kinds, kindOf } = this.ctx;
    const T = q.asOfDay;
    const categoryMedian = medians[k]!.median(c.category);
    const kind = kindOf
      ? kindOf(c.category)
      : CADENCE_CLASSES.find((cls) => categoryMedian <= cls.upTo)!.name;
    const examCase: ExamCase = {
      customer: q.customer,
      asOf: k,
      group: kinds.of(kind),
      actual: c.actualDay === undefined ? Number.POSITIVE_INFINITY : c.actualDay - T,
      dataLeft: lastDay - T,
    };

    let analyzer: PredictorAnswer | undefined;
    if (prediction) {
      const [predicted, start, end] = [
        prediction.nextPurchaseAt,
        prediction.windowStart,
        prediction.windowEnd,
      ].map((date) => clock.dayOf(date)) as [number, number, number];
      analyzer = {
        predicted: predicted - T,
        p7: probabilityWithin(prediction, WITHIN_DAYS),
        windowStart: start - T,
        windowEnd: end - T,
      };
      this.ctx.onPrediction?.({
        customer: q.customerId,
        category: c.category,
        asOf: clock.format(T),
        predicted: clock.format(predicted),
        windowStart: clock.format(start),
        windowEnd: clock.format(end),
        probabilityWithin: {
          "7": probabilityWithin(prediction, 7),
          "14": probabilityWithin(prediction, 14),
          "28": probabilityWithin(prediction, 28),
        },
      });
    }

    const days = baselineDays(c.purchaseDays, categoryMedian, T);
    const intervals = BASELINE_NAMES.map((name): PredictorAnswer => ({ predicted: days[name] - T }));

    let poissonGamma: PredictorAnswer | undefined;
    const prior = pgPriors[k]!.prior(c.category);
    if (prior) {
      const rate = posteriorRate(prior, {
        repeats: c.purchaseDays.length - 1,
        exposureDays: T - c.purchaseDays[0]!,
      });
      poissonGamma = {
        predicted: quantileDay(rate, 0.5),
        p7: probabilityWithinAtRate(rate, WITHIN_DAYS),
        windowStart: quantileDay(rate, 0.1),
        windowEnd: quantileDay(rate, 0.9),
      };
    }
    table.add(examCase, [analyzer, ...intervals, poissonGamma]);
  }
}

const DIFFERENCE_METRICS = ["maeAtH", "auc7", "brier7"] as const;

/** Scores overall, by kind and by as-of day; differences with paired-bootstrap intervals. */
function summarize(
  table: ExamTable,
  kindNames: readonly string[],
  asOfDays: readonly number[],
  horizon: number,
  clock: DayClock,
  bootstrap: { resamples: number; seed: number },
  startProgress: NonNullable<ForwardExamOptions["progress"]>,
) {
  const predictors = table.predictors.map((_, p) => p);
  const group = (selection: Int32Array, weights?: Float64Array): ScoreGroup => ({
    cases: selection.length,
    buyersWithin7: table.boughtWithin(selection, WITHIN_DAYS),
    buyersWithinHorizon: table.boughtWithin(selection, horizon),
    scores: predictors.map((p) => table.metrics(p, selection, horizon, weights)),
  });
  const all = table.allCases();
  // Kinds in a reading order: cadence classes from frequent to rare, the source's own by name.
  const rank = (name: string) => CADENCE_CLASSES.findIndex((cls) => cls.name === name);
  const kinds = kindNames
    .map((name, g) => ({ name, g }))
    .sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
  const kindSelections = kinds.map(({ g }) => table.select((c) => c.group === g));
  const overall = group(all);
  const byKind = Object.fromEntries(kinds.map(({ name }, k) => [name, group(kindSelections[k]!)]));
  const byAsOf = Object.fromEntries(
    asOfDays.map((day, k) => [clock.format(day), group(table.select((c) => c.asOf === k))]),
  );

  // Differences analyzer − baseline for each metric both have, over [overall, …kinds].
  const selections = [all, ...kindSelections];
  const estimates = [overall, ...kinds.map(({ name }) => byKind[name]!)];
  const pairs = estimates.map((estimate) =>
    estimate.scores.slice(1).flatMap((baseline) =>
      DIFFERENCE_METRICS.filter((m) => estimate.scores[0]![m] !== null && baseline[m] !== null).map(
        (metric) => ({
          baseline: baseline.predictor,
          metric,
          difference: (estimate.scores[0]![metric] as number) - (baseline[metric] as number),
        }),
      ),
    ),
  );
  let intervals: Array<Interval | null> = [];
  if (bootstrap.resamples > 0) {
    const progress = startProgress("bootstrap", bootstrap.resamples, "resamples");
    intervals = bootstrapIntervals(
      table.customers,
      (weights) => {
        const values = selections.flatMap((selection, s) => {
          const scores = predictors.map((p) => table.metrics(p, selection, horizon, weights));
          const byName = new Map(scores.map((score) => [score.predictor, score]));
          return pairs[s]!.map(({ baseline, metric }) => {
            const a = scores[0]![metric];
            const b = byName.get(baseline)![metric];
            return a === null || b === null ? Number.NaN : a - b;
          });
        });
        progress.increment();
        return values;
      },
      bootstrap,
    );
    progress.stop();
  }
  let next = 0;
  const differences = pairs.map((list) =>
    list.map((d): Difference => ({ ...d, interval: intervals[next++] ?? null })),
  );
  return {
    overall,
    byKind,
    byAsOf,
    differences: {
      overall: differences[0]!,
      byKind: Object.fromEntries(kinds.map(({ name }, k) => [name, differences[k + 1]!])),
    },
  };
}
