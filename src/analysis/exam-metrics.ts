// The forward exam's scores (docs/PREDICTION.md, "The exam"), every one judged at the horizon H so the
// end of the data never decides: MAE@H, AUC7 and Brier7 of "bought within 7 days", calibration, and the
// 80 % window's two tails, each judged only where the prediction makes it judgeable. Cases are kept in
// columns of numbers (a few bytes each, however long the histories were), and every score takes a
// weight per customer, so the paired bootstrap over customers reuses the same code as the estimate.
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";

/** "Bought within this many days" is what AUC, Brier and calibration judge. */
export const WITHIN_DAYS = 7;
/** A window tail judged on fewer cases than this is not reported (too noisy to read). */
export const MIN_TAIL_CASES = 100;

/** What a predictor offers: a day always; a probability and a window when it has them. */
export interface PredictorSpec {
  name: string;
  /** Gives P(bought within 7 days): scored by Brier and calibration, ranked by it for AUC. */
  probabilistic: boolean;
  /** Gives an 80 % window: its tails are scored. */
  window: boolean;
}

/** One case as the exam knows it. Days are offsets from the as-of day T (T itself is 0). */
export interface ExamCase {
  /** Index of the customer (for the bootstrap), 0-based and dense. */
  customer: number;
  /** Index of the as-of date. */
  asOf: number;
  /** Index of the case's kind of category. */
  group: number;
  /** First purchase day on or after T, minus T; Infinity when none before the data ends. */
  actual: number;
  /** The data's last day minus T. */
  dataLeft: number;
}

/** One predictor's answer for a case; undefined when it made none. */
export interface PredictorAnswer {
  /** Predicted day minus T (≥ 0; Infinity for "never"). */
  predicted: number;
  /** P(bought on a day in [T, T + 7)). */
  p7?: number;
  /** The 80 % window's first and last day minus T (inclusive). */
  windowStart?: number;
  windowEnd?: number;
}

/** A window tail: how many cases it was judgeable on, and the share missed (null when too few). */
export interface TailScore {
  judged: number;
  share: number | null;
}

export interface PredictorMetrics {
  predictor: string;
  /** Cases in the selection, and how many of them the predictor answered. */
  cases: number;
  predicted: number;
  /** predicted / cases. */
  coverage: number;
  /** Mean |min(predicted, H) − min(actual, H)| in days, over the predicted cases. */
  maeAtH: number;
  /** ROC AUC of "bought within 7 days" (ties count half); null without both outcomes. */
  auc7: number | null;
  /** Mean (p7 − bought within 7)²; null for a predictor without a probability. */
  brier7: number | null;
  /** Mean p7 − observed share bought within 7 days; null without a probability. */
  calibration7: number | null;
  /** Share bought before windowStart, over cases whose windowStart ≤ the data's last day. */
  earlyMisses: TailScore | null;
  /** Share not bought by windowEnd, over cases whose windowEnd < the data's last day. */
  lateMisses: TailScore | null;
}

/**
 * Every case's truth and every predictor's answer, in growable typed columns.
 *
 * @example
 *   const table = new ExamTable([{ name: "analyzer", probabilistic: true, window: true }]);
 *   table.add({ customer: 0, asOf: 0, group: 0, actual: 3, dataLeft: 60 }, [{ predicted: 2, p7: 0.8, windowStart: 0, windowEnd: 6 }]);
 *   table.metrics(0, table.allCases(), 28).maeAtH; // 1
 */
export class ExamTable {
  private readonly columns: Record<"customer" | "asOf" | "group" | "actual" | "dataLeft", Column>;
  private readonly answers: Array<Record<"predicted" | "p7" | "windowStart" | "windowEnd", Column>>;
  private customerCount = 0;

  constructor(readonly predictors: readonly PredictorSpec[]) {
    this.columns = {
      customer: new Column(),
      asOf: new Column(),
      group: new Column(),
      actual: new Column(),
      dataLeft: new Column(),
    };
    this.answers = predictors.map(() => ({
      predicted: new Column(),
      p7: new Column(),
      windowStart: new Column(),
      windowEnd: new Column(),
    }));
  }

  get size(): number {
    return this.columns.actual.length;
  }

  /** Customers seen (the largest customer index + 1): the bootstrap resamples these. */
  get customers(): number {
    return this.customerCount;
  }

  /** One case with one answer per predictor, in the order of `predictors`. */
  add(c: ExamCase, answers: ReadonlyArray<PredictorAnswer | undefined>): void {
    for (const key of ["customer", "asOf", "group", "actual", "dataLeft"] as const) {
      this.columns[key].push(c[key]);
    }
    this.customerCount = Math.max(this.customerCount, c.customer + 1);
    this.predictors.forEach((_, i) => {
      const answer = answers[i];
      const columns = this.answers[i]!;
      columns.predicted.push(answer ? answer.predicted : Number.NaN);
      columns.p7.push(answer?.p7 ?? Number.NaN);
      columns.windowStart.push(answer?.windowStart ?? Number.NaN);
      columns.windowEnd.push(answer?.windowEnd ?? Number.NaN);
    });
  }

  /** Every case index. */
  allCases(): Int32Array {
    return Int32Array.from({ length: this.size }, (_, i) => i);
  }

  /** The indices of the cases `keep` accepts. */
  select(keep: (c: ExamCase) => boolean): Int32Array {
    const picked: number[] = [];
    for (let i = 0; i < this.size; i++) if (keep(this.caseAt(i))) picked.push(i);
    return Int32Array.from(picked);
  }

  caseAt(i: number): ExamCase {
    const { customer, asOf, group, actual, dataLeft } = this.columns;
    return {
      customer: customer.at(i),
      asOf: asOf.at(i),
      group: group.at(i),
      actual: actual.at(i),
      dataLeft: dataLeft.at(i),
    };
  }

  /**
   * One predictor's scores over the selected cases, judged at horizon H; `weights` (per customer)
   * counts each case that many times (the bootstrap), default once.
   */
  metrics(
    predictor: number,
    selection: Int32Array,
    horizon: number,
    weights?: Float64Array,
  ): PredictorMetrics {
    const spec = this.predictors[predictor]!;
    const { sums, ranked } = this.prepared(predictor, selection, horizon);
    const total = (key: SumKey) => weightedSum(sums[key], weights);
    const [cases, answered] = [total("cases"), total("answered")];
    const tail = (judgedKey: SumKey, missedKey: SumKey): TailScore => {
      const judged = total(judgedKey);
      return { judged, share: judged >= MIN_TAIL_CASES ? total(missedKey) / judged : null };
    };
    return {
      predictor: spec.name,
      cases,
      predicted: answered,
      coverage: cases ? answered / cases : Number.NaN,
      maeAtH: answered ? total("absoluteError") / answered : Number.NaN,
      auc7: rankedAuc(ranked, weights),
      brier7: spec.probabilistic && answered ? total("squaredError") / answered : null,
      calibration7:
        spec.probabilistic && answered ? (total("probability") - total("buyers")) / answered : null,
      earlyMisses: spec.window ? tail("earlyJudged", "earlyMissed") : null,
      lateMisses: spec.window ? tail("lateJudged", "lateMissed") : null,
    };
  }

  /** Share of the selected cases bought within `days` days of T (all cases, answered or not). */
  boughtWithin(selection: Int32Array, days: number): number {
    let buyers = 0;
    for (const i of selection) if (this.columns.actual.data[i]! < days) buyers++;
    return selection.length ? buyers / selection.length : Number.NaN;
  }

  /**
   * What every score of one predictor over one selection needs, computed once (the bootstrap asks
   * a thousand times): per customer, the sums the scores are ratios of; and for AUC the answered cases
   * ranked by score.
   */
  private prepared(predictor: number, selection: Int32Array, horizon: number): Prepared {
    let bySelection = this.preparations.get(selection);
    if (!bySelection || bySelection.size !== this.size || bySelection.horizon !== horizon) {
      bySelection = { size: this.size, horizon, predictors: [] };
      this.preparations.set(selection, bySelection);
    }
    let prepared = bySelection.predictors[predictor];
    if (!prepared) {
      prepared = this.prepare(predictor, selection, horizon);
      bySelection.predictors[predictor] = prepared;
    }
    return prepared;
  }

  private readonly preparations = new WeakMap<
    Int32Array,
    { size: number; horizon: number; predictors: Array<Prepared | undefined> }
  >();

  private prepare(predictor: number, selection: Int32Array, horizon: number): Prepared {
    const spec = this.predictors[predictor]!;
    const answers = this.answers[predictor]!;
    const customer = this.columns.customer.data;
    const actual = this.columns.actual.data;
    const dataLeft = this.columns.dataLeft.data;
    const predicted = answers.predicted.data;
    const p7 = answers.p7.data;
    const start = answers.windowStart.data;
    const end = answers.windowEnd.data;
    const sums = Object.fromEntries(
      SUM_KEYS.map((key) => [key, new Float64Array(this.customerCount)]),
    ) as Sums;
    for (const i of selection) {
      const c = customer[i]!;
      sums.cases[c]! += 1;
      const guess = predicted[i]!;
      if (Number.isNaN(guess)) continue;
      sums.answered[c]! += 1;
      const truth = actual[i]!;
      sums.absoluteError[c]! += Math.abs(Math.min(guess, horizon) - Math.min(truth, horizon));
      const bought = truth < WITHIN_DAYS ? 1 : 0;
      sums.buyers[c]! += bought;
      if (spec.probabilistic) {
        sums.probability[c]! += p7[i]!;
        sums.squaredError[c]! += (p7[i]! - bought) ** 2;
      }
      if (spec.window) {
        // A tail is judgeable where the prediction puts its edge inside the data, whatever happened.
        if (start[i]! <= dataLeft[i]!) {
          sums.earlyJudged[c]! += 1;
          if (truth < start[i]!) sums.earlyMissed[c]! += 1;
        }
        if (end[i]! < dataLeft[i]!) {
          sums.lateJudged[c]! += 1;
          if (truth > end[i]!) sums.lateMissed[c]! += 1;
        }
      }
    }

    // AUC ranks by p7, or by the predicted day (sooner = likelier to buy within 7 days).
    const score = (i: number) => (spec.probabilistic ? p7[i]! : -predicted[i]!);
    const answered = [...selection].filter((i) => !Number.isNaN(predicted[i]!));
    answered.sort((a, b) => score(a) - score(b) || a - b);
    const blockEnds: number[] = [];
    answered.forEach((i, k) => {
      const next = answered[k + 1];
      if (next === undefined || score(next) !== score(i)) blockEnds.push(k + 1);
    });
    return {
      sums,
      ranked: {
        customers: Int32Array.from(answered, (i) => customer[i]!),
        positive: Uint8Array.from(answered, (i) => (actual[i]! < WITHIN_DAYS ? 1 : 0)),
        blockEnds: Int32Array.from(blockEnds),
      },
    };
  }
}

const SUM_KEYS = [
  "cases",
  "answered",
  "absoluteError",
  "squaredError",
  "probability",
  "buyers",
  "earlyJudged",
  "earlyMissed",
  "lateJudged",
  "lateMissed",
] as const;
type SumKey = (typeof SUM_KEYS)[number];
type Sums = Record<SumKey, Float64Array>;

/** Answered cases in ascending order of score, with where each block of tied scores ends. */
interface Ranked {
  customers: Int32Array;
  positive: Uint8Array;
  blockEnds: Int32Array;
}

interface Prepared {
  sums: Sums;
  ranked: Ranked;
}

function weightedSum(perCustomer: Float64Array, weights: Float64Array | undefined): number {
  let total = 0;
  if (weights) for (let c = 0; c < perCustomer.length; c++) total += weights[c]! * perCustomer[c]!;
  else for (let c = 0; c < perCustomer.length; c++) total += perCustomer[c]!;
  return total;
}

/**
 * ROC AUC of "bought within 7 days", weighted per customer: the probability that a buyer outranks a
 * non-buyer, ties counting half; null without both.
 */
function rankedAuc(
  { customers, positive, blockEnds }: Ranked,
  weights: Float64Array | undefined,
): number | null {
  let positives = 0;
  let negativesBelow = 0;
  let pairs = 0;
  let k = 0;
  for (const blockEnd of blockEnds) {
    let tiedPositives = 0;
    let tiedNegatives = 0;
    for (; k < blockEnd; k++) {
      const w = weights ? weights[customers[k]!]! : 1;
      if (positive[k]) tiedPositives += w;
      else tiedNegatives += w;
    }
    pairs += tiedPositives * (negativesBelow + tiedNegatives / 2);
    negativesBelow += tiedNegatives;
    positives += tiedPositives;
  }
  const total = positives * negativesBelow;
  return total > 0 ? pairs / total : null;
}

/** A 95 % interval from the bootstrap; null where no resample gave a value. */
export interface Interval {
  low: number;
  high: number;
}

export interface BootstrapOptions {
  /** Resamples (default 1,000). */
  resamples?: number;
  /** Seed of the resampling: equal seeds give equal intervals (default 1). */
  seed?: number;
}

/**
 * Percentile 95 % intervals of statistics under a bootstrap over customers: each resample draws
 * `customers` customers with replacement and hands `statistic` how many times each was drawn; every
 * case of a customer counts that many times, so everything a customer contributes moves together
 * (paired: the same resample scores every predictor). NaN values of a statistic are left out.
 *
 * @example
 *   bootstrapIntervals(3, (w) => [w[0]!], { resamples: 1000, seed: 1 }); // [{ low: 0, high: 3 }]
 */
export function bootstrapIntervals(
  customers: number,
  statistic: (weights: Float64Array) => number[],
  options: BootstrapOptions = {},
): Array<Interval | null> {
  const resamples = options.resamples ?? 1_000;
  const rng = xoroshiro128plus(options.seed ?? 1);
  const weights = new Float64Array(customers);
  const draws: number[][] = [];
  for (let r = 0; r < resamples && customers > 0; r++) {
    weights.fill(0);
    for (let k = 0; k < customers; k++) weights[uniformInt(rng, 0, customers - 1)]! += 1;
    statistic(weights).forEach((value, s) => {
      if (!draws[s]) draws[s] = [];
      draws[s].push(value);
    });
  }
  return draws.map((values) => {
    const finite = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
    if (!finite.length) return null;
    return { low: percentile(finite, 0.025), high: percentile(finite, 0.975) };
  });
}

// ---- private helpers ----

/** Linear interpolation between order statistics (R's type 7). */
function percentile(sorted: readonly number[], p: number): number {
  const rank = p * (sorted.length - 1);
  const below = Math.floor(rank);
  const above = Math.min(sorted.length - 1, below + 1);
  return sorted[below]! + (rank - below) * (sorted[above]! - sorted[below]!);
}

/** A Float64Array that grows by doubling. */
class Column {
  data = new Float64Array(1_024);
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }

  at(i: number): number {
    return this.data[i]!;
  }
}
