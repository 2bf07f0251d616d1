// Scores of one predictor over a backtest: absolute errors in whole days (kept as counts per value, so
// memory does not grow with the number of cases) and, for predictors with a window, its coverage.

export interface PredictorScore {
  predictor: string;
  /** Cases scored. */
  n: number;
  /** Mean absolute error, days. */
  mae: number;
  /** Median absolute error, days. */
  medianAe: number;
  /** Share of cases whose actual day fell inside the 80 % window (inclusive); null without a window. */
  coverage: number | null;
}

/**
 * @example
 *   const tally = new ErrorTally("analyzer");
 *   tally.add(2, true); tally.add(5, false);
 *   tally.score(); // { predictor: "analyzer", n: 2, mae: 3.5, medianAe: 2, coverage: 0.5 }
 */
export class ErrorTally {
  private readonly counts = new Map<number, number>();
  private n = 0;
  private sum = 0;
  private covered = 0;
  private withWindow = 0;

  constructor(readonly predictor: string) {}

  /** One case: |predicted − actual| in days, and whether the window held the actual day. */
  add(absoluteError: number, inWindow?: boolean): void {
    this.counts.set(absoluteError, (this.counts.get(absoluteError) ?? 0) + 1);
    this.n++;
    this.sum += absoluteError;
    if (inWindow !== undefined) {
      this.withWindow++;
      if (inWindow) this.covered++;
    }
  }

  score(): PredictorScore {
    return {
      predictor: this.predictor,
      n: this.n,
      mae: this.n ? round3(this.sum / this.n) : Number.NaN,
      medianAe: this.median(),
      coverage: this.withWindow ? round3(this.covered / this.withWindow) : null,
    };
  }

  /** The median absolute error (the mean of the two middle values when n is even). */
  private median(): number {
    if (!this.n) return Number.NaN;
    const values = [...this.counts.keys()].sort((a, b) => a - b);
    const at = (rank: number) => {
      let seen = 0;
      for (const value of values) {
        seen += this.counts.get(value)!;
        if (seen > rank) return value;
      }
      return values[values.length - 1]!;
    };
    return (at((this.n - 1) >> 1) + at(this.n >> 1)) / 2;
  }
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** What the best single interval for every case scores: see `HindsightInterval`. */
export interface HindsightScore {
  /** Cases scored. */
  n: number;
  /** The interval, days after the previous purchase. */
  interval: number;
  /** Its mean absolute error on the held-out answers, days. */
  mae: number;
}

/**
 * For scale, not a predictor: the one interval k that, used for every case as "previous purchase day
 * + k, never before now" (the baselines' rule), scores the lowest MAE on the held-out answers
 * themselves. No rule that gives everyone the same interval does better; a method has to beat it to
 * show that what it knows of each customer and category is worth anything. Cases are kept as counts
 * per (now, actual) relative to the previous purchase, so memory does not grow with their number.
 *
 * @example
 *   const hindsight = new HindsightInterval();
 *   hindsight.add(1, 10); hindsight.add(1, 20); hindsight.add(1, 90);
 *   hindsight.best(); // { n: 3, interval: 20, mae: 26.667 }
 */
export class HindsightInterval {
  /** now − previous purchase day → actual − previous purchase day → cases. */
  private readonly counts = new Map<number, Map<number, number>>();
  private n = 0;
  private longest = 1;

  /** One case, in days after its previous purchase day: when it was asked, and the answer. */
  add(nowAfter: number, actualAfter: number): void {
    let byActual = this.counts.get(nowAfter);
    if (!byActual) {
      byActual = new Map();
      this.counts.set(nowAfter, byActual);
    }
    byActual.set(actualAfter, (byActual.get(actualAfter) ?? 0) + 1);
    this.n++;
    this.longest = Math.max(this.longest, actualAfter);
  }

  /** The best interval (the shortest of equals) and its MAE; undefined without cases. */
  best(): HindsightScore | undefined {
    if (!this.n) return undefined;
    let best = { interval: 1, total: Number.POSITIVE_INFINITY };
    // Beyond the longest answer every error only grows with k.
    for (let k = 1; k <= this.longest; k++) {
      let total = 0;
      for (const [nowAfter, byActual] of this.counts) {
        const predicted = Math.max(nowAfter, k);
        for (const [actualAfter, count] of byActual) total += count * Math.abs(predicted - actualAfter);
      }
      if (total < best.total) best = { interval: k, total };
    }
    return { n: this.n, interval: best.interval, mae: round3(best.total / this.n) };
  }
}
