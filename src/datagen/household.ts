// The household model: who lives there, which staples they buy and how fast they use them, when they
// shop, skip, travel, and how loyal they are to brands. docs/DATA_GENERATION.md states every number
// here; tests derive their expectations from these constants, never from generated data.
import { type Requirement, STAPLES, type StapleCategory } from "./catalogue";
import type { Random } from "./random";

export type HouseholdType = "regular" | "irregular" | "new";

/** Share of each household type among generated customers. */
export const HOUSEHOLD_TYPE_SHARES: ReadonlyArray<readonly [HouseholdType, number]> = [
  ["regular", 0.87],
  ["irregular", 0.08],
  ["new", 0.05],
];

/** People per household (roughly the US distribution). */
export const HOUSEHOLD_SIZE_WEIGHTS: ReadonlyArray<readonly [number, number]> = [
  [1, 0.28],
  [2, 0.34],
  [3, 0.15],
  [4, 0.13],
  [5, 0.06],
  [6, 0.04],
];

/** Days between a household's regular shopping trips. */
export const TRIP_PERIOD_WEIGHTS: ReadonlyArray<readonly [number, number]> = [
  [1, 0.05],
  [2, 0.15],
  [3, 0.25],
  [4, 0.2],
  [5, 0.1],
  [7, 0.25],
];

export interface Behaviour {
  /** σ of the log-normal noise on every interval: interval × exp(N(0, σ²)). */
  noiseSigma: number;
  /** Probability that a scheduled trip does not happen. */
  skipProbability: number;
  /** Probability, per staple purchase, that the household switches its usual product for good. */
  switchProbability: number;
  /** Probability, per staple purchase, of taking another product on promotion (once) plus one extra unit. */
  promotionProbability: number;
  /** Probability, per trip, of a one-off promotional buy in a staple category the household does not use. */
  oneOffProbability: number;
}

/** Regular and brand-new households share the regular behaviour; irregular ones are much noisier. */
export const BEHAVIOUR: Readonly<Record<"regular" | "irregular", Behaviour>> = {
  regular: {
    noiseSigma: 0.2,
    skipProbability: 0.08,
    switchProbability: 0.02,
    promotionProbability: 0.05,
    oneOffProbability: 0.03,
  },
  irregular: {
    noiseSigma: 0.6,
    skipProbability: 0.25,
    switchProbability: 0.06,
    promotionProbability: 0.08,
    oneOffProbability: 0.05,
  },
};

/** σ of each household's personal consumption factor per staple, exp(N(0, σ²)) (median 1). */
export const PERSONAL_FACTOR_SIGMA = 0.25;

/** Price cut of a promotion. */
export const PROMOTION_DISCOUNT = 0.25;

/** Holidays: per 365 days of history, 1 or 2 breaks (equally likely) of minDays..maxDays without trips. */
export const HOLIDAYS = { perYear: [1, 2], minDays: 5, maxDays: 16 } as const;

/** Irregular households only: Poisson(meanPerYear) unplanned absences per 365 days. */
export const ABSENCES = { meanPerYear: 3, minDays: 7, maxDays: 30 } as const;

/** A brand-new customer's first trip is within this many days before the end of the history. */
export const NEW_CUSTOMER_DAYS = 30;

/** Who lives in the household, which decides diapers and pet food. */
export const COMPOSITION = {
  /** P(children) for households of 2 people (single parent) and of 3 or more. */
  kidsIfTwo: 0.1,
  kidsIfThreeOrMore: 0.75,
  /** P(a baby in diapers | children). */
  babyIfKids: 0.3,
  dog: 0.3,
  cat: 0.25,
} as const;

/** Stores "101".."140"; a household shops at its home store except for HOME_STORE_SHARE's complement. */
export const STORE_COUNT = 40;
export const HOME_STORE_SHARE = 0.9;

/**
 * Occasional (non-staple) lines per trip: Poisson with mean (base + perTripDay × trip period) ×
 * (sizeBase + perPerson × size); longer gaps between trips and bigger households mean bigger baskets.
 */
export const OCCASIONAL_LINES = { base: 4, perTripDay: 1, sizeBase: 0.75, perPerson: 0.125 } as const;

/** A household's relationship with one staple category it buys regularly. */
export interface HouseholdStaple {
  staple: StapleCategory;
  /** exp(N(0, PERSONAL_FACTOR_SIGMA²)): this household's days per unit relative to others of its size. */
  personalFactor: number;
  /** Index into staple.products of the usual product at the start of the history. */
  preferredProduct: number;
}

/** A span of days [start, end) without trips. */
export interface Break {
  start: number;
  end: number;
}

/** Everything that drives a customer's history: the generator's ground truth, kept for checking. */
export interface Household {
  type: HouseholdType;
  size: number;
  hasKids: boolean;
  hasBaby: boolean;
  hasDog: boolean;
  hasCat: boolean;
  behaviour: Behaviour;
  /** Days between regular trips (irregular households: the mean gap of their random trips). */
  tripPeriod: number;
  /** First day (offset in the history) the household can shop; 0 except for brand-new customers. */
  firstDay: number;
  holidays: Break[];
  /** Unplanned absences (irregular households only). */
  absences: Break[];
  homeStore: string;
  /** Minute of the day the household usually shops at. */
  shoppingMinute: number;
  staples: HouseholdStaple[];
}

/** One shopping trip: its day and whether a holiday starts before the next trip (time to stock up). */
export interface Trip {
  day: number;
  /** The next trip's day, or the history's length after the last trip. */
  nextDay: number;
  holidayAhead: boolean;
}

/**
 * Draws a household for a history of `days` days.
 *
 * @example
 *   const household = drawHousehold(customerRandom(1, 0), 365);
 *   household.staples.map((s) => s.staple.key); // e.g. ["milk", "bread", "eggs", …]
 */
export function drawHousehold(random: Random, days: number): Household {
  const type = random.weighted(HOUSEHOLD_TYPE_SHARES);
  const size = random.weighted(HOUSEHOLD_SIZE_WEIGHTS);
  const kidsChance = size >= 3 ? COMPOSITION.kidsIfThreeOrMore : size === 2 ? COMPOSITION.kidsIfTwo : 0;
  const hasKids = random.chance(kidsChance);
  const hasBaby = hasKids && random.chance(COMPOSITION.babyIfKids);
  const hasDog = random.chance(COMPOSITION.dog);
  const hasCat = random.chance(COMPOSITION.cat);
  const has: Record<Requirement, boolean> = { baby: hasBaby, dog: hasDog, cat: hasCat };

  const staples: HouseholdStaple[] = [];
  for (const staple of STAPLES) {
    const adopts = random.chance(staple.adoption);
    if (!adopts || (staple.requires && !has[staple.requires])) continue;
    staples.push({
      staple,
      personalFactor: random.logNormal(PERSONAL_FACTOR_SIGMA),
      preferredProduct: random.weighted(staple.products.map((p, i) => [i, p.share] as const)),
    });
  }

  const firstDay = type === "new" ? Math.max(0, days - random.int(1, NEW_CUSTOMER_DAYS)) : 0;
  return {
    type,
    size,
    hasKids,
    hasBaby,
    hasDog,
    hasCat,
    behaviour: BEHAVIOUR[type === "irregular" ? "irregular" : "regular"],
    tripPeriod: random.weighted(TRIP_PERIOD_WEIGHTS),
    firstDay,
    holidays: drawBreaks(random, days, () => random.pick(HOLIDAYS.perYear), HOLIDAYS),
    absences:
      type === "irregular"
        ? drawBreaks(random, days, () => random.poisson(ABSENCES.meanPerYear), ABSENCES)
        : [],
    homeStore: storeId(random.int(1, STORE_COUNT)),
    shoppingMinute: random.int(9 * 60, 19 * 60),
    staples,
  };
}

/**
 * The household's trips over days [0, days). Regular and new households shop every tripPeriod days
 * (a brand-new one first on its firstDay, the others from a random phase); irregular ones on random
 * days, 1 / tripPeriod of them. Any trip is skipped with the behaviour's skipProbability and none falls on a
 * holiday or an absence, except a brand-new customer's first trip, which always happens.
 */
export function tripSchedule(random: Random, household: Household, days: number): Trip[] {
  const away = new Uint8Array(days);
  for (const { start, end } of [...household.holidays, ...household.absences]) away.fill(1, start, end);
  const { tripPeriod, firstDay, behaviour } = household;

  const tripDays: number[] = [];
  if (household.type === "irregular") {
    for (let day = firstDay; day < days; day++) {
      if (random.chance(1 / tripPeriod) && !away[day] && !random.chance(behaviour.skipProbability)) {
        tripDays.push(day);
      }
    }
  } else {
    const phase = household.type === "new" ? firstDay % tripPeriod : random.int(0, tripPeriod - 1);
    for (let day = phase; day < days; day += tripPeriod) {
      // A brand-new customer exists because of its first trip: that one always happens.
      const first = household.type === "new" && day === firstDay;
      if (day < firstDay || (!first && (away[day] || random.chance(behaviour.skipProbability)))) continue;
      tripDays.push(day);
    }
  }

  const holidayStarts = new Uint8Array(days + 1);
  for (const { start } of household.holidays) holidayStarts[start] = 1;
  return tripDays.map((day, i) => {
    const nextDay = tripDays[i + 1] ?? days;
    return { day, nextDay, holidayAhead: holidayStarts.subarray(day + 1, nextDay).includes(1) };
  });
}

/** "101".."140". */
export function storeId(number: number): string {
  return String(100 + number);
}

// ---- private helpers ----

/** Breaks in each 365-day block of the history, clipped to it, sorted by start. */
function drawBreaks(
  random: Random,
  days: number,
  count: () => number,
  length: { minDays: number; maxDays: number },
): Break[] {
  const breaks: Break[] = [];
  for (let blockStart = 0; blockStart < days; blockStart += 365) {
    const blockEnd = Math.min(days, blockStart + 365);
    for (let n = count(); n > 0; n--) {
      const start = random.int(blockStart, blockEnd - 1);
      const end = Math.min(days, start + random.int(length.minDays, length.maxDays));
      breaks.push({ start, end });
    }
  }
  return breaks.sort((a, b) => a.start - b.start);
}
