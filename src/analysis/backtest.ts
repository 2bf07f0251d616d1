// The backtest: the analyzer's exam, with the protocol of holdout.ts. Two passes over the histories:
// the first learns from the training side only (priors, their window calibration, the category-median
// baseline); the second asks the analyzer and the baselines for every held-out purchase and scores
// them. No I/O here: the caller hands in a function that yields the histories (from a database, a CSV
// folder, the generator) each time it is called.
import { BASELINE_NAMES, baselineDays, CategoryIntervalMedians } from "./baselines";
import { DayClock } from "./calendar";
import { readShoppingHistory } from "./category-series";
import { type CategoryPrediction, type CustomerHistory, type HazardModel, MAX_PURCHASES } from "./contract";
import { fitHazard } from "./hazard-fit";
import {
  type AskAt,
  type HoldOutCase,
  type HoldOutOptions,
  holdOutCases,
  MIN_PURCHASE_DAYS,
  trainingSide,
} from "./holdout";
import { PriorsBuilder } from "./priors";
import { ErrorTally, HindsightInterval, type HindsightScore, type PredictorScore } from "./scores";
import { StatisticalAnalyzer } from "./statistical-analyzer";

export const ANALYZER_PREDICTOR = "statistical analyzer";

/** Yields every customer's full history; called once per pass. */
export type HistorySource = () => AsyncIterable<CustomerHistory> | Iterable<CustomerHistory>;

export interface BacktestOptions extends HoldOutOptions {
  /** Calendar of the purchases (default UTC). */
  timeZone?: string;
  /** Called for every analyzer prediction, in the order cases are scored (e.g. to write --out). */
  onPrediction?: (record: PredictionRecord) => void;
  /** Held-out cases analysed per analyzer call batch (default 2,000). */
  batchSize?: number;
  /** Also score per group (e.g. staple vs occasional categories): the group of each case. */
  groupOf?: (customerId: string, category: string) => string;
}

/** One analyzer prediction, as `--out` writes it. Days are YYYY-MM-DD in the backtest's time zone. */
export interface PredictionRecord {
  customer: string;
  category: string;
  predicted: string;
  windowStart: string;
  windowEnd: string;
}

export interface BacktestReport {
  protocol: { maxPurchases: number; minPurchaseDays: number; askAt: AskAt; timeZone: string };
  analyzerVersion: string;
  /** Histories read, and those with at least one held-out case. */
  customers: number;
  customersWithCases: number;
  /** The analyzer first, then the baselines in BASELINE_NAMES order. */
  scores: PredictorScore[];
  /** The same per group, when `groupOf` was given. */
  groups: Record<string, PredictorScore[]>;
  /** For scale, not a predictor: the best single interval for every case, chosen on the answers. */
  hindsight: HindsightScore | undefined;
  /** Is confidence honest? Its mean, and the share of predictions within their tolerance. */
  confidence: { mean: number; hitRate: number };
  /** The hazard model fitted on the training side. */
  hazard: HazardModel;
  /** Categories with a fitted prior. */
  priorCategories: number;
}

/**
 * Runs the protocol over the histories `source` yields.
 *
 * @example
 *   const report = await runBacktest(() => histories, { timeZone: "America/New_York" });
 *   report.scores[0]; // { predictor: "statistical analyzer", n: 1129, mae: 45.45, medianAe: 32, coverage: 0.779 }
 */
export async function runBacktest(
  source: HistorySource,
  options: BacktestOptions = {},
): Promise<BacktestReport> {
  const clock = new DayClock(options.timeZone);
  const protocol = {
    maxPurchases: options.maxPurchases ?? MAX_PURCHASES,
    minPurchaseDays: options.minPurchaseDays ?? MIN_PURCHASE_DAYS,
    askAt: options.askAt ?? "previous-purchase",
    timeZone: clock.timeZone,
  };

  // Pass 1: the training side.
  const builder = new PriorsBuilder({ timeZone: clock.timeZone });
  const categoryMedians = new CategoryIntervalMedians(clock);
  for await (const history of source()) {
    const training = trainingSide(history, clock, protocol);
    builder.add(training);
    categoryMedians.add(training);
  }
  const priors = fitHazard(builder.build(), builder.sample(), {
    timeZone: clock.timeZone,
    maxPurchases: protocol.maxPurchases,
  });
  const analyzer = new StatisticalAnalyzer(priors, {
    timeZone: clock.timeZone,
    maxPurchases: protocol.maxPurchases,
  });

  // Pass 2: the exam.
  const exam = new Exam(analyzer, clock, categoryMedians, protocol.maxPurchases, options);
  const batchSize = options.batchSize ?? 2_000;
  let customers = 0;
  let customersWithCases = 0;
  let pending: HoldOutCase[] = [];
  for await (const history of source()) {
    customers++;
    let any = false;
    for (const c of holdOutCases(history, clock, protocol)) {
      pending.push(c);
      any = true;
    }
    if (any) customersWithCases++;
    if (pending.length >= batchSize) {
      exam.score(pending);
      pending = [];
    }
  }
  exam.score(pending);

  return {
    protocol,
    analyzerVersion: analyzer.version,
    customers,
    customersWithCases,
    scores: exam.scores(),
    groups: exam.groupScores(),
    hindsight: exam.hindsight.best(),
    confidence: exam.confidence(),
    hazard: priors.hazard,
    priorCategories: Object.keys(priors.categories).length,
  };
}

// ---- private helpers ----

/** Asks the analyzer and the baselines, and keeps score. */
class Exam {
  private readonly overall = new Tallies();
  readonly hindsight = new HindsightInterval();
  private readonly groups = new Map<string, Tallies>();
  private confidenceSum = 0;
  private withinTolerance = 0;
  private cases = 0;

  constructor(
    private readonly analyzer: StatisticalAnalyzer,
    private readonly clock: DayClock,
    private readonly categoryMedians: CategoryIntervalMedians,
    private readonly maxPurchases: number,
    private readonly options: Pick<BacktestOptions, "onPrediction" | "groupOf">,
  ) {}

  /** Scores a batch of cases: one analyzer call per distinct `now` in it. */
  score(cases: readonly HoldOutCase[]): void {
    const byNow = new Map<number, HoldOutCase[]>();
    for (const c of cases) {
      const group = byNow.get(c.nowDay);
      if (group) group.push(c);
      else byNow.set(c.nowDay, [c]);
    }
    for (const [nowDay, group] of byNow) {
      const analyses = this.analyzer.analyze(
        group.map((c) => c.visible),
        this.clock.startOf(nowDay),
      );
      group.forEach((c, i) => {
        this.scoreCase(c, analyses[i]!.predictions);
      });
    }
  }

  scores(): PredictorScore[] {
    return this.overall.scores();
  }

  groupScores(): Record<string, PredictorScore[]> {
    const names = [...this.groups.keys()].sort();
    return Object.fromEntries(names.map((name) => [name, this.groups.get(name)!.scores()]));
  }

  confidence(): { mean: number; hitRate: number } {
    const round3 = (x: number) => Math.round(x * 1000) / 1000;
    return {
      mean: this.cases ? round3(this.confidenceSum / this.cases) : Number.NaN,
      hitRate: this.cases ? round3(this.withinTolerance / this.cases) : Number.NaN,
    };
  }

  private scoreCase(c: HoldOutCase, predictions: readonly CategoryPrediction[]): void {
    const prediction = predictions.find((p) => p.category === c.category);
    if (!prediction) {
      // The protocol guarantees ≥ 3 visible purchase days, so a missing prediction is an analyzer bug.
      throw new Error(
        `backtest: expected a prediction for ${c.customerId} / ${c.category} (at least 3 visible purchase days), got none`,
      );
    }
    const predicted = this.clock.dayOf(prediction.nextPurchaseAt);
    const start = this.clock.dayOf(prediction.windowStart);
    const end = this.clock.dayOf(prediction.windowEnd);
    const error = Math.abs(predicted - c.actualDay);
    const covered = start <= c.actualDay && c.actualDay <= end;
    const tallies = [this.overall];
    const group = this.options.groupOf?.(c.customerId, c.category);
    if (group !== undefined) {
      if (!this.groups.has(group)) this.groups.set(group, new Tallies());
      tallies.push(this.groups.get(group)!);
    }
    for (const t of tallies) t.analyzer.add(error, covered);
    this.cases++;
    this.confidenceSum += prediction.confidence;
    if (error <= prediction.toleranceDays) this.withinTolerance++;
    this.options.onPrediction?.({
      customer: c.customerId,
      category: c.category,
      predicted: this.clock.format(predicted),
      windowStart: this.clock.format(start),
      windowEnd: this.clock.format(end),
    });

    const { series } = readShoppingHistory(
      c.visible,
      this.clock,
      Number.POSITIVE_INFINITY,
      this.maxPurchases,
    );
    const days = series.find((s) => s.category === c.category)!.days;
    const previousDay = days[days.length - 1]!;
    this.hindsight.add(c.nowDay - previousDay, c.actualDay - previousDay);
    const baselines = baselineDays(days, this.categoryMedians.median(c.category), c.nowDay);
    BASELINE_NAMES.forEach((name, i) => {
      for (const t of tallies) t.baselines[i]!.add(Math.abs(baselines[name] - c.actualDay));
    });
  }
}

/** The analyzer's and each baseline's tally, for all cases or one group. */
class Tallies {
  readonly analyzer = new ErrorTally(ANALYZER_PREDICTOR);
  readonly baselines = BASELINE_NAMES.map((name) => new ErrorTally(name));

  scores(): PredictorScore[] {
    return [this.analyzer.score(), ...this.baselines.map((tally) => tally.score())];
  }
}
