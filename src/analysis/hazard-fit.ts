// Fits the hazard model (hazard.ts) on the population's own history, forward-chaining: the sample's
// histories are read as of earlier days (every other week back to 14 weeks before the end of the data),
// each customer × category bought on two or more days by then is a case, and what happened next (the
// first purchase on or after that day, or none before the data ends) is its answer. Each case
// contributes one row per segment it survived, weighted by its days at risk there, and the weights are
// the maximum-likelihood logistic regression of "bought that day" on the features (Newton's method,
// with a light ridge on standardised features so that a feature the sample never varies stays at 0).
// Nothing is hand-tuned that the fit could set: the shape of the hazard over time since the last
// purchase, how much frequency and cadence each count, how fast a lapsed customer is written off.
import { DayClock } from "./calendar";
import { readShoppingHistory } from "./category-series";
import {
  type CustomerHistory,
  type HazardModel,
  MAX_PURCHASES,
  type PopulationPriors,
  type WindowLevels,
} from "./contract";
import { customerCases } from "./customer-cases";
import { hash32 } from "./fingerprint";
import {
  type CaseState,
  FEATURE_COUNT,
  fillFeatures,
  HAZARD_FEATURES,
  isTripDay,
  logistic,
  SEGMENTS,
  tripDaysIn,
} from "./hazard";
import { NextPurchase } from "./next-purchase";
import { PriorsBuilder, type PriorsBuilderOptions, withHazard } from "./priors";

/** Days between "as of" cut points, and how many: fortnightly, 14 weeks back. */
export const CUT_POINT_STEP_DAYS = 14;
export const CUT_POINTS = 7;
/** Days each case is followed for (censored earlier by the end of the data). */
export const FOLLOW_UP_DAYS = 91;
/** Cases kept by default (a deterministic sample by hash): enough for 20 weights many times over. */
export const MAX_FIT_CASES = 20_000;
/** Share of purchases meant to fall before the window, and after it. */
export const WINDOW_TAIL = 0.1;
/** Ridge on the standardised weights (the bias is free): a prior worth one row of data per feature. */
const RIDGE = 1;

export interface HazardFitOptions {
  /** Calendar of the purchases (default UTC). */
  timeZone?: string;
  /** Newest baskets the analyzer looks at (default MAX_PURCHASES). */
  maxPurchases?: number;
  /**
   * The day the data ends (exclusive; nothing on or after it is known). Default: the day after the
   * newest basket of the sample.
   */
  endDay?: number;
  /** Cases kept at most (default MAX_FIT_CASES). */
  maxCases?: number;
}

/** One training case: the state as of a cut point, and the day offset of the purchase (or −1). */
interface FitCase {
  state: CaseState;
  /** Offset from state.fromDay of the first purchase, −1 when none within followUp. */
  event: number;
  /** Days observed from fromDay (≤ FOLLOW_UP_DAYS). */
  followUp: number;
}

/**
 * The priors with a hazard fitted on `sample` (full histories of a sample of customers); the unfitted
 * hazard when the sample holds no case with a purchase.
 *
 * @example const priors = fitHazard(builder.build(), builder.sample(), { timeZone: "America/New_York" });
 */
export function fitHazard(
  priors: PopulationPriors,
  sample: readonly CustomerHistory[],
  options: HazardFitOptions = {},
): PopulationPriors {
  const cases = trainingCases(priors, sample, options);
  const model = fitLogisticHazard(cases);
  if (!model) return priors;
  return withHazard(priors, model, fitWindowLevels(cases, model));
}

/**
 * The window's levels, fitted on the training cases the way the exam judges them: the largest lower
 * level that leaves at most WINDOW_TAIL of the purchases before the window (over cases whose window
 * starts within their follow-up), the smallest upper level that leaves at most WINDOW_TAIL unbought
 * by its end (over cases whose window ends before their follow-up does). Levels are rounded outwards.
 */
function fitWindowLevels(cases: readonly FitCase[], model: HazardModel): WindowLevels {
  const weights = Float64Array.from(model.coefficients);
  const next = new NextPurchase();
  // With F(m) = 1 − S(m + 1) the probability of a purchase by day offset m, the window's edge at level
  // p is the first m with F(m) ≥ p, so each case's verdict is a threshold on p: its window starts
  // within the follow-up iff p ≤ F(followUp − 1), and the purchase comes before it iff p > F(event).
  // Its window ends before the last day followed iff p ≤ F(followUp − 2), and the purchase comes
  // after it iff there is none or p ≤ F(event − 1).
  const early: Array<[judgedUpTo: number, missedAbove: number]> = [];
  const late: Array<[judgedUpTo: number, missedUpTo: number]> = [];
  for (const c of cases) {
    next.fill(c.state, weights);
    const by = (m: number) => 1 - next.survivalAfter(m + 1);
    const bought = c.event >= 0;
    early.push([by(c.followUp - 1), bought ? by(c.event) : Number.POSITIVE_INFINITY]);
    late.push([by(c.followUp - 2), bought ? by(c.event - 1) : Number.POSITIVE_INFINITY]);
  }
  const earlyShare = (p: number) => share(early, (judged, missed) => (p <= judged ? p > missed : undefined));
  const lateShare = (p: number) => share(late, (judged, missed) => (p <= judged ? p <= missed : undefined));
  const lower = largestLevel(0.01, 0.5, (p) => earlyShare(p) <= WINDOW_TAIL);
  const upper = 1 - largestLevel(0.01, 0.5, (q) => lateShare(1 - q) <= WINDOW_TAIL);
  return {
    lower: Math.floor(lower * 10_000) / 10_000,
    upper: Math.ceil(upper * 10_000) / 10_000,
    calibratedOn: cases.length,
  };
}

/** Share of the judged cases (verdict not undefined) that missed. */
function share(
  cases: ReadonlyArray<[number, number]>,
  verdict: (a: number, b: number) => boolean | undefined,
): number {
  let judged = 0;
  let missed = 0;
  for (const [a, b] of cases) {
    const v = verdict(a, b);
    if (v === undefined) continue;
    judged++;
    if (v) missed++;
  }
  return judged ? missed / judged : 0;
}

/**
 * The largest p in [low, high] for which `ok(p)` holds, assuming it holds up to some point and not
 * after; `low` when it never holds. 16 halvings: finer than the 4 decimals stored.
 */
function largestLevel(low: number, high: number, ok: (p: number) => boolean): number {
  if (!ok(low)) return low;
  if (ok(high)) return high;
  for (let step = 0; step < 16; step++) {
    const mid = (low + high) / 2;
    if (ok(mid)) low = mid;
    else high = mid;
  }
  return low;
}

/** The cases of every history at every cut point, thinned by hash to at most maxCases. */
function trainingCases(
  priors: PopulationPriors,
  sample: readonly CustomerHistory[],
  options: HazardFitOptions,
): FitCase[] {
  const clock = new DayClock(options.timeZone);
  const maxPurchases = options.maxPurchases ?? MAX_PURCHASES;
  const maxCases = options.maxCases ?? MAX_FIT_CASES;
  let endDay = options.endDay;
  if (endDay === undefined) {
    let newest = Number.NEGATIVE_INFINITY;
    for (const history of sample) {
      for (const purchase of history.purchases) {
        newest = Math.max(newest, purchase.purchasedAt.getTime());
      }
    }
    if (!Number.isFinite(newest)) return [];
    endDay = clock.dayOf(new Date(newest)) + 1;
  }

  // Keep a case when its hash falls below `keep`; halve `keep` whenever twice the wanted number is
  // held. The result is every case with hash < the final `keep`, whatever order histories come in.
  let keep = 1;
  let kept: Array<FitCase & { key: number }> = [];
  for (const history of sample) {
    const purchaseDays = new Map<string, number[]>();
    const whole = readShoppingHistory(history, clock, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY);
    for (const one of whole.series) purchaseDays.set(one.category, one.days);
    const baskets = [...history.purchases].sort((a, b) => a.purchasedAt.getTime() - b.purchasedAt.getTime());
    for (let j = 1; j <= CUT_POINTS; j++) {
      const cut = endDay - j * CUT_POINT_STEP_DAYS;
      const cutMs = clock.startOf(cut).getTime();
      // The newest baskets before the cut: the analyzer's view as of that day.
      let visible = 0;
      while (visible < baskets.length && baskets[visible]!.purchasedAt.getTime() < cutMs) visible++;
      if (!visible) continue;
      const asOf = {
        customerId: history.customerId,
        purchases: baskets.slice(Math.max(0, visible - maxPurchases), visible),
      };
      const { repeated } = customerCases(asOf, priors, clock, cutMs - 1, cut, maxPurchases);
      for (const { series, state } of repeated) {
        const key = hash32(`${history.customerId}\u0000${series.category}\u0000${j}`) / 4_294_967_296;
        if (key >= keep) continue;
        const followUp = Math.min(FOLLOW_UP_DAYS, endDay - state.fromDay);
        if (followUp <= 0) continue;
        const next = firstOnOrAfter(purchaseDays.get(series.category)!, state.fromDay);
        const event = next !== undefined && next - state.fromDay < followUp ? next - state.fromDay : -1;
        kept.push({ state, event, followUp, key });
      }
      if (kept.length > 2 * maxCases) {
        while (kept.length > 2 * maxCases) {
          keep /= 2;
          kept = kept.filter((c) => c.key < keep);
        }
      }
    }
  }
  // The maxCases lowest hashes: the same cases whatever order the histories came in.
  if (kept.length > maxCases) kept = kept.sort((a, b) => a.key - b.key).slice(0, maxCases);
  return kept;
}

/** The first value ≥ day in an ascending array, or undefined. */
function firstOnOrAfter(days: readonly number[], day: number): number | undefined {
  let low = 0;
  let high = days.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (days[mid]! < day) low = mid + 1;
    else high = mid;
  }
  return low < days.length ? days[low] : undefined;
}

/**
 * Calls `visit(row, y, weight)` for every grouped row of the cases: per segment survived, one row with
 * y = 0 weighted by the days at risk in it without a purchase, and one with y = 1 for the purchase;
 * on a trip rhythm, a block's trip days and other days are rows of their own.
 */
function forEachRow(
  cases: readonly FitCase[],
  visit: (row: Float64Array, y: number, weight: number) => void,
): void {
  const row = new Float64Array(FEATURE_COUNT);
  for (const c of cases) {
    const until = c.event >= 0 ? c.event + 1 : c.followUp;
    const { state } = c;
    for (const segment of SEGMENTS) {
      if (segment.start >= until) break;
      const end = Math.min(segment.start + segment.length, until);
      const bought = c.event >= segment.start && c.event < end;
      const atRisk = end - segment.start;
      const boughtOnTrip = bought && isTripDay(state, state.fromDay + c.event);
      // Trip days at risk (all days count as "off" without a rhythm: the feature is 0 then anyway).
      const trips = tripDaysIn(state, state.fromDay + segment.start, atRisk);
      for (const onTrip of [true, false]) {
        const days = onTrip ? trips : atRisk - trips;
        if (!days) continue;
        fillFeatures(state, segment, onTrip, row);
        const event = bought && boughtOnTrip === onTrip;
        if (days - (event ? 1 : 0) > 0) visit(row, 0, days - (event ? 1 : 0));
        if (event) visit(row, 1, 1);
      }
    }
  }
}

/** Maximum-likelihood (lightly ridged) weights by Newton's method; undefined without any purchase. */
function fitLogisticHazard(cases: readonly FitCase[]): HazardModel | undefined {
  const p = FEATURE_COUNT;
  // Standardise: means and spreads of the features over the days at risk.
  const mean = new Float64Array(p);
  const square = new Float64Array(p);
  let total = 0;
  let events = 0;
  forEachRow(cases, (row, y, weight) => {
    total += weight;
    events += y * weight;
    for (let i = 0; i < p; i++) {
      mean[i]! += weight * row[i]!;
      square[i]! += weight * row[i]! * row[i]!;
    }
  });
  if (!events || events === total) return undefined;
  const scale = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    mean[i] = mean[i]! / total;
    const variance = square[i]! / total - mean[i]! ** 2;
    scale[i] = variance > 1e-12 ? Math.sqrt(variance) : 0; // constant features stay at weight 0
  }
  mean[0] = 0;
  scale[0] = 1;

  const beta = new Float64Array(p);
  beta[0] = Math.log(events / (total - events));
  const z = new Float64Array(p);
  const standardise = (row: Float64Array) => {
    for (let i = 0; i < p; i++) z[i] = scale[i] ? (row[i]! - mean[i]!) / scale[i]! : 0;
  };
  // Each pass over the rows gives the penalised loss, gradient and Hessian at `beta`. A step that
  // raised the loss is halved instead of taken (Newton on a log-likelihood rarely needs it).
  let accepted: { beta: Float64Array; loss: number; step: Float64Array } | undefined;
  let factor = 1;
  for (let pass = 0; pass < 40; pass++) {
    let loss = 0;
    const gradient = new Float64Array(p);
    const hessian = new Float64Array(p * p);
    forEachRow(cases, (row, y, weight) => {
      standardise(row);
      let eta = 0;
      for (let i = 0; i < p; i++) eta += beta[i]! * z[i]!;
      // −log-likelihood of a logistic row, stable for any η.
      loss += weight * (Math.max(eta, 0) - y * eta + Math.log1p(Math.exp(-Math.abs(eta))));
      const mu = logistic(eta);
      const g = weight * (y - mu);
      const h = weight * mu * (1 - mu);
      for (let i = 0; i < p; i++) {
        const zi = z[i]!;
        if (zi === 0) continue;
        gradient[i]! += g * zi;
        const hz = h * zi;
        for (let j = 0; j <= i; j++) hessian[i * p + j]! += hz * z[j]!;
      }
    });
    for (let i = 1; i < p; i++) loss += 0.5 * RIDGE * beta[i]! ** 2;
    if (accepted && loss > accepted.loss) {
      factor /= 2;
      if (factor < 1e-6) {
        beta.set(accepted.beta);
        break;
      }
      for (let i = 0; i < p; i++) beta[i] = accepted.beta[i]! + factor * accepted.step[i]!;
      continue;
    }
    if (accepted && accepted.loss - loss < 1e-9 * Math.max(1, loss)) break;
    for (let i = 0; i < p; i++) {
      for (let j = 0; j < i; j++) hessian[j * p + i] = hessian[i * p + j]!;
      if (i > 0) {
        gradient[i]! -= RIDGE * beta[i]!;
        hessian[i * p + i]! += RIDGE;
      }
      if (!scale[i]) hessian[i * p + i]! += 1; // a constant feature: keep its weight at 0
    }
    const step = solveSymmetric(hessian, gradient, p);
    accepted = { beta: Float64Array.from(beta), loss, step };
    factor = 1;
    let change = 0;
    for (let i = 0; i < p; i++) {
      beta[i]! += step[i]!;
      change = Math.max(change, Math.abs(step[i]!));
    }
    if (change < 1e-7) break;
  }

  // Back to the features' own scales: w_i = β_i / s_i, bias absorbs the means.
  const coefficients = new Array<number>(p).fill(0);
  coefficients[0] = beta[0]!;
  for (let i = 1; i < p; i++) {
    if (!scale[i]) continue;
    coefficients[i] = beta[i]! / scale[i]!;
    coefficients[0] -= coefficients[i]! * mean[i]!;
  }
  return {
    features: [...HAZARD_FEATURES],
    coefficients,
    cases: cases.length,
    events,
    exposureDays: total,
  };
}

/** Solves A x = b for a symmetric positive-definite A (Cholesky). */
function solveSymmetric(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * n + j]!;
      for (let k = 0; k < j; k++) sum -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) l[i * n + i] = Math.sqrt(Math.max(sum, 1e-12));
      else l[i * n + j] = sum / l[j * n + j]!;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = b[i]!;
    for (let k = 0; k < i; k++) sum -= l[i * n + k]! * y[k]!;
    y[i] = sum / l[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i]!;
    for (let k = i + 1; k < n; k++) sum -= l[k * n + i]! * x[k]!;
    x[i] = sum / l[i * n + i]!;
  }
  return x;
}

/**
 * Priors fitted on a population and their hazard on a sample of it, in one call (for sources that fit
 * in an iterable; streaming sources use PriorsBuilder and fitHazard directly).
 *
 * @example const priors = fitPopulationPriors(histories, { timeZone: "America/New_York" });
 */
export function fitPopulationPriors(
  histories: Iterable<CustomerHistory>,
  options: PriorsBuilderOptions & HazardFitOptions = {},
): PopulationPriors {
  const builder = new PriorsBuilder(options);
  for (const history of histories) builder.add(history);
  return fitHazard(builder.build(), builder.sample(), options);
}
