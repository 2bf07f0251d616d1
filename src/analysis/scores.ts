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
