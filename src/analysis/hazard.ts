// The daily hazard of a customer's next purchase of a category, as of now: on each day s = 0, 1, … from
// the first day the purchase can happen, P(bought that day | not bought before) =
// logistic(Σ wᵢ·xᵢ(s)). The features are what each kind of signal is worth, on scales where a linear
// term means something:
//
// - frequency: the customer's purchase days per day, shrunk to the category's (Poisson-Gamma);
// - cadence: how long the last purchase usually lasts them (quantity-aware, cadence.ts) and how
//   regular they are, and the days elapsed since it, as a ratio in units of their own spread, with
//   hinges so the hazard can rise towards the due day and fall again far past it: a customer four
//   cadences overdue has probably stopped buying the category;
// - trip rhythm: on a customer who shops on a rhythm, days on it and days off it;
// - the store: days since their last trip of any kind against their usual gap (gone altogether?);
// - how much they showed: purchase days, share of trips with the category, quantity last bought.
//
// The weights are fitted on the population's own history at earlier "as of" dates (hazard-fit.ts).
// Days beyond the first two weeks are grouped into blocks (the features at the block's middle; on a
// rhythm, one hazard for its trip days and one for the others), ending on the horizons predictions
// state (PROBABILITY_DAYS), which keeps a year's curve to 21 evaluations.

/** Names of the features, in coefficient order (stored with the model). */
export const HAZARD_FEATURES = [
  "bias",
  "logRate",
  "logUsual",
  "logSd",
  "logPurchaseDays",
  "logTripShare",
  "logTripRate",
  "logQuantityRatio",
  "logCategoryRate",
  "logElapsed",
  "dueScore",
  "pastDue",
  "pastDue1",
  "pastDue2",
  "overTwice",
  "overFourTimes",
  "logHorizon",
  "onTrip",
  "offTrip",
  "storeAbsence",
] as const;

/** Features that do not depend on the day: their sum is computed once per case. */
export const STATIC_FEATURES = 9;
export const FEATURE_COUNT = HAZARD_FEATURES.length;

/** The longest horizon the curve reaches (days); beyond it the last hazard holds. */
export const CURVE_DAYS = 365;

/** A stretch of days sharing one hazard: [start, start + length). */
export interface Segment {
  start: number;
  length: number;
}

/** Daily for two weeks, then blocks ending at 21, 28, 42, 56, 91, 182 and 365 days. */
export const SEGMENTS: readonly Segment[] = makeSegments();

const SEGMENT_AT: Uint8Array = segmentTable();

/** The index in SEGMENTS of the segment holding day offset m (0 ≤ m); SEGMENTS.length past the curve. */
export function segmentIndexOf(m: number): number {
  return m < CURVE_DAYS ? SEGMENT_AT[m]! : SEGMENTS.length;
}

/** What the hazard needs to know about one customer × category as of one day. */
export interface CaseState {
  /** The first day the purchase can happen (now's day, or the day after a purchase made today). */
  fromDay: number;
  /** The last purchase day. */
  lastDay: number;
  /** log posterior purchase days per day (Poisson-Gamma). */
  logRate: number;
  /** log days the last purchase usually lasts, trip wait included. */
  logUsual: number;
  /** log-scale spread of the customer's intervals (cadence.ts). */
  logSd: number;
  logPurchaseDays: number;
  /** log(purchase days / trip days). */
  logTripShare: number;
  /** log(trip days per day). */
  logTripRate: number;
  /** log(units last bought / usual units). */
  logQuantityRatio: number;
  /** log of the category's mean purchase days per day. */
  logCategoryRate: number;
  /** The customer's last trip day of any kind. */
  lastTripDay: number;
  /** log of the customer's usual days between trips. */
  logTripGap: number;
  /** Trip rhythm period (0: none) and a trip day on it. */
  rhythmPeriod: number;
  rhythmAnchor: number;
}

const LOG2 = Math.log(2);
const LOG4 = Math.log(4);

/**
 * The features of one segment into `out` (FEATURE_COUNT long).
 *
 * @example fillFeatures(state, SEGMENTS[0]!, isTripDay(state, state.fromDay), row) // row[HAZARD_FEATURES.indexOf("logElapsed")] = log(fromDay − lastDay)
 */
export function fillFeatures(state: CaseState, segment: Segment, onTrip: boolean, out: Float64Array): void {
  out[0] = 1;
  out[1] = state.logRate;
  out[2] = state.logUsual;
  out[3] = Math.log(state.logSd);
  out[4] = state.logPurchaseDays;
  out[5] = state.logTripShare;
  out[6] = state.logTripRate;
  out[7] = state.logQuantityRatio;
  out[8] = state.logCategoryRate;
  fillDayFeatures(state, segment, onTrip, out);
}

/** Σ weights × static features: the part of the linear predictor shared by every day of a case. */
export function staticPredictor(state: CaseState, w: ArrayLike<number>): number {
  return (
    w[0]! +
    w[1]! * state.logRate +
    w[2]! * state.logUsual +
    w[3]! * Math.log(state.logSd) +
    w[4]! * state.logPurchaseDays +
    w[5]! * state.logTripShare +
    w[6]! * state.logTripRate +
    w[7]! * state.logQuantityRatio +
    w[8]! * state.logCategoryRate
  );
}

/**
 * The day-dependent features of a segment into out[STATIC_FEATURES…], for the fit. The analyzer sums
 * the same terms directly (dayPredictor); a test holds the two equal.
 */
export function fillDayFeatures(
  state: CaseState,
  segment: Segment,
  onTrip: boolean,
  out: Float64Array,
): void {
  const middle = segment.start + (segment.length - 1) / 2;
  const day = state.fromDay + middle;
  const logElapsed = logOfHalves(day - state.lastDay);
  const ratio = logElapsed - state.logUsual;
  const due = ratio / state.logSd;
  out[9] = logElapsed;
  out[10] = due;
  out[11] = Math.max(due, 0);
  out[12] = due > 1 ? due - 1 : 0;
  out[13] = due > 2 ? due - 2 : 0;
  out[14] = ratio > LOG2 ? ratio - LOG2 : 0;
  out[15] = ratio > LOG4 ? ratio - LOG4 : 0;
  out[16] = logOfHalves(middle + 1);
  if (state.rhythmPeriod > 0) {
    out[17] = onTrip ? 1 : 0;
    out[18] = onTrip ? 0 : 1;
  } else {
    out[17] = 0;
    out[18] = 0;
  }
  const sinceTrip = day - state.lastTripDay;
  out[19] = Math.max(0, logOfHalves(Math.max(1, sinceTrip)) - state.logTripGap);
}

/** Where dayPredictors writes a segment's sum for its days off and on the trip rhythm. */
export const OFF_TRIP = 0;
export const ON_TRIP = 1;

/**
 * Σ w_i · feature_i over the day-dependent features of a segment of the curve starting on `fromDay`
 * (the state's own, or another day for lapse.ts), for its days off the trip rhythm into
 * out[OFF_TRIP] and its days on it into out[ON_TRIP] (equal without a rhythm): fillDayFeatures and
 * the dot product in one pass without a row, because the analyzer evaluates it for every segment of
 * every category. Both sums share all but the rhythm term, and written into `out` they are never
 * boxed (a number returned from a call that is not inlined is a heap allocation).
 */
export function dayPredictors(
  state: CaseState,
  fromDay: number,
  segment: Segment,
  w: ArrayLike<number>,
  out: Float64Array,
): void {
  const middle = segment.start + (segment.length - 1) / 2;
  const day = fromDay + middle;
  const logElapsed = logOfHalves(day - state.lastDay);
  const ratio = logElapsed - state.logUsual;
  const due = ratio / state.logSd;
  let eta = w[9]! * logElapsed + w[10]! * due + w[16]! * logOfHalves(middle + 1);
  if (due > 0) {
    eta += w[11]! * due;
    if (due > 1) eta += w[12]! * (due - 1);
    if (due > 2) eta += w[13]! * (due - 2);
  }
  if (ratio > LOG2) {
    eta += w[14]! * (ratio - LOG2);
    if (ratio > LOG4) eta += w[15]! * (ratio - LOG4);
  }
  // The rhythm term before the absence term: the order the terms have always been added in.
  let off = eta;
  let on = eta;
  if (state.rhythmPeriod > 0) {
    off += w[18]!;
    on += w[17]!;
  }
  const sinceTrip = day - state.lastTripDay;
  if (sinceTrip > 1) {
    const absence = logOfHalves(sinceTrip) - state.logTripGap;
    if (absence > 0) {
      off += w[19]! * absence;
      on += w[19]! * absence;
    }
  }
  out[OFF_TRIP] = off;
  out[ON_TRIP] = on;
}

/** Is `day` on the customer's trip rhythm (false without one)? */
export function isTripDay(state: CaseState, day: number): boolean {
  const period = state.rhythmPeriod;
  return period > 0 && (((day - state.rhythmAnchor) % period) + period) % period === 0;
}

/** Trip days on the customer's rhythm among the `count` days from `first` (0 without one). */
export function tripDaysIn(
  state: Pick<CaseState, "rhythmPeriod" | "rhythmAnchor">,
  first: number,
  count: number,
): number {
  const period = state.rhythmPeriod;
  if (!(period > 0) || count <= 0) return 0;
  const offset = (((first - state.rhythmAnchor) % period) + period) % period;
  const firstTrip = offset === 0 ? 0 : period - offset;
  return firstTrip >= count ? 0 : Math.floor((count - 1 - firstTrip) / period) + 1;
}

/** log x for x a positive multiple of ½ (every day count here is), from a table below 2 years. */
function logOfHalves(x: number): number {
  const halves = 2 * x;
  return halves < LOG_HALVES.length ? LOG_HALVES[halves]! : Math.log(x);
}

const LOG_HALVES = Float64Array.from({ length: 1_461 }, (_, halves) => Math.log(halves / 2));

export function logistic(eta: number): number {
  return eta >= 0 ? 1 / (1 + Math.exp(-eta)) : Math.exp(eta) / (1 + Math.exp(eta));
}

function segmentTable(): Uint8Array {
  const table = new Uint8Array(CURVE_DAYS);
  SEGMENTS.forEach((segment, k) => {
    table.fill(k, segment.start, segment.start + segment.length);
  });
  return table;
}

function makeSegments(): Segment[] {
  const segments: Segment[] = [];
  for (let day = 0; day < 14; day++) segments.push({ start: day, length: 1 });
  let start = 14;
  for (const end of [21, 28, 42, 56, 91, 182, CURVE_DAYS]) {
    segments.push({ start, length: end - start });
    start = end;
  }
  return segments;
}
