// Turns households into purchase histories, one customer at a time, so memory stays flat however many
// customers are generated. Pure: no database, no clock, no Math.random — the same options and index
// always give the same customer. The process is specified in docs/DATA_GENERATION.md.
import {
  type CatalogueProduct,
  OCCASIONAL_QUANTITY,
  OCCASIONALS,
  type QuantityRule,
  STAPLES,
  type StapleCategory,
  sizeFactor,
} from "./catalogue";
import {
  drawHousehold,
  HOME_STORE_SHARE,
  type Household,
  OCCASIONAL_LINES,
  PROMOTION_DISCOUNT,
  STORE_COUNT,
  storeId,
  type Trip,
  tripSchedule,
} from "./household";
import { drawName, syntheticEmail } from "./names";
import { customerRandom, type Random } from "./random";

export interface GeneratorOptions {
  /** 0 .. 4,294,967,295; the same seed gives the same data. */
  seed: number;
  /** Length of the history in days (day offsets 0 .. days - 1). */
  days: number;
  /**
   * The history ends just before this date's UTC day starts: day offset days - 1 is the day before.
   * Only the UTC day counts, so any time on the same day gives identical data.
   */
  end: Date;
}

export interface GeneratedItem {
  sku: string;
  /** > 0: packages, or pounds (2 decimals) for products sold by weight. */
  quantity: number;
  /** price × quantity (less any promotion), rounded to cents. */
  amount: number;
}

export interface GeneratedPurchase {
  /** "seed:<seed>:<index>:<n>", n counting the customer's purchases from 0. */
  idempotencyKey: string;
  /** Day offset in the history, 0 .. days - 1. */
  day: number;
  purchasedAt: Date;
  storeId: string;
  /** One line per product. */
  items: GeneratedItem[];
}

export interface GeneratedCustomer {
  index: number;
  /** "syn-<seed>-<index, 7 digits>" */
  externalId: string;
  name: string;
  email: string;
  /** The ground truth behind the purchases, for checking predictors against. */
  household: Household;
  /** In time order. */
  purchases: GeneratedPurchase[];
}

export const DAY_MS = 86_400_000;

/**
 * Generates customer `index`. Depends only on (seed, days, end's UTC day, index).
 *
 * @example
 *   const customer = generateCustomer({ seed: 1, days: 365, end: new Date("2026-01-01") }, 0);
 *   customer.purchases[0]!.items; // [{ sku: "SYN-MILK-01", quantity: 2, amount: 6.58 }, …]
 */
export function generateCustomer(options: GeneratorOptions, index: number): GeneratedCustomer {
  const { seed, days } = options;
  const start = historyStart(options).getTime();
  const random = customerRandom(seed, index);
  const name = drawName(random);
  const household = drawHousehold(random, days);
  const trips = tripSchedule(random, household, days);
  const purchases = simulate(random, household, trips).map((basket, n) => ({
    idempotencyKey: `seed:${seed}:${index}:${n}`,
    day: basket.day,
    purchasedAt: new Date(start + basket.day * DAY_MS + basket.minute * 60_000),
    storeId: basket.storeId,
    items: basket.items,
  }));
  return {
    index,
    externalId: customerExternalId(seed, index),
    name: `${name.first} ${name.last}`,
    email: syntheticEmail(name, seed, index),
    household,
    purchases,
  };
}

/**
 * Customers 0 .. customers - 1, one at a time.
 *
 * @example for (const customer of generateCustomers(options, 10_000)) write(customer);
 */
export function* generateCustomers(
  options: GeneratorOptions,
  customers: number,
): Generator<GeneratedCustomer> {
  for (let index = 0; index < customers; index++) yield generateCustomer(options, index);
}

/** "syn-<seed>-<index, zero-padded to 7 digits>": stable, so a re-run finds the customers it wrote. */
export function customerExternalId(seed: number, index: number): string {
  return `syn-${seed}-${String(index).padStart(7, "0")}`;
}

/** The UTC midnight of day offset 0. */
export function historyStart({ days, end }: Pick<GeneratorOptions, "days" | "end">): Date {
  if (!Number.isSafeInteger(days) || days < 1) {
    throw new RangeError(`days: expected a whole number of at least 1, got ${days}`);
  }
  if (Number.isNaN(end.getTime())) throw new RangeError("end: expected a valid date, got an invalid Date");
  return new Date(Math.floor(end.getTime() / DAY_MS) * DAY_MS - days * DAY_MS);
}

// ---- private helpers ----

interface Basket {
  day: number;
  minute: number;
  storeId: string;
  items: GeneratedItem[];
}

interface StapleState {
  staple: StapleCategory;
  /** Days one unit lasts this household: daysPerUnit × size factor × personal factor. */
  daysPerUnit: number;
  /** Index of the usual product; changes on a brand switch. */
  product: number;
  /** The (fractional) day the household runs out. */
  need: number;
}

const OCCASIONAL_CHOICES = OCCASIONALS.map((category, i) => [i, category.weight] as const);
const SHARE_CHOICES = new Map(
  [...STAPLES, ...OCCASIONALS].map((c) => [c, c.products.map((p, i) => [i, p.share] as const)]),
);

function simulate(random: Random, household: Household, trips: readonly Trip[]): Basket[] {
  const { behaviour } = household;
  const states: StapleState[] = household.staples.map(({ staple, personalFactor, preferredProduct }) => {
    const daysPerUnit = staple.daysPerUnit * sizeFactor(staple, household.size) * personalFactor;
    // The history starts mid-cycle: the household last bought some time before day 0.
    const need = household.firstDay + random.float() * drawQuantity(random, staple.quantity) * daysPerUnit;
    return { staple, daysPerUnit, product: preferredProduct, need };
  });
  const unused = STAPLES.filter(
    (s) => !household.staples.some((h) => h.staple === s) && isEligible(s, household),
  );
  const occasionalMean =
    (OCCASIONAL_LINES.base + OCCASIONAL_LINES.perTripDay * household.tripPeriod) *
    (OCCASIONAL_LINES.sizeBase + OCCASIONAL_LINES.perPerson * household.size);

  const baskets: Basket[] = [];
  for (const trip of trips) {
    const items: GeneratedItem[] = [];
    for (const state of states) {
      // Before a holiday the household also buys what would run out while it is away.
      const due = trip.holidayAhead ? state.need < trip.nextDay : state.need <= trip.day;
      if (!due) continue;
      const { staple } = state;
      if (random.chance(behaviour.switchProbability)) {
        state.product = otherProduct(random, staple, state.product); // a brand switch, for good
      }
      let product = state.product;
      let quantity = drawQuantity(random, staple.quantity);
      let discount = 0;
      if (random.chance(behaviour.promotionProbability)) {
        product = otherProduct(random, staple, state.product);
        if (staple.quantity.kind === "units") quantity += 1;
        discount = PROMOTION_DISCOUNT;
      }
      addLine(items, staple.products[product]!, quantity, discount);
      state.need = trip.day + quantity * state.daysPerUnit * random.logNormal(behaviour.noiseSigma);
    }
    if (unused.length && random.chance(behaviour.oneOffProbability)) {
      const staple = random.pick(unused);
      const product = staple.products[random.weighted(SHARE_CHOICES.get(staple)!)]!;
      const quantity = staple.quantity.kind === "units" ? 1 : drawQuantity(random, staple.quantity);
      addLine(items, product, quantity, PROMOTION_DISCOUNT);
    }
    // A trip always buys something: at least one occasional line when no staple was due.
    let lines = random.poisson(occasionalMean);
    if (lines === 0 && items.length === 0) lines = 1;
    for (; lines > 0; lines--) {
      const category = OCCASIONALS[random.weighted(OCCASIONAL_CHOICES)]!;
      const product = category.products[random.weighted(SHARE_CHOICES.get(category)!)]!;
      addLine(items, product, drawQuantity(random, OCCASIONAL_QUANTITY), 0);
    }
    baskets.push({
      day: trip.day,
      minute: Math.min(22 * 60, Math.max(7 * 60, household.shoppingMinute + random.int(-90, 90))),
      storeId: random.chance(HOME_STORE_SHARE) ? household.homeStore : storeId(random.int(1, STORE_COUNT)),
      items,
    });
  }
  return baskets;
}

function drawQuantity(random: Random, rule: QuantityRule): number {
  if (rule.kind === "units") return random.weighted(rule.weights);
  return Math.round(random.between(rule.min, rule.max) * 100) / 100;
}

/** Any product of the category but `current` (itself when it is the only one). */
function otherProduct(random: Random, staple: StapleCategory, current: number): number {
  if (staple.products.length === 1) return current;
  const other = random.int(0, staple.products.length - 2);
  return other >= current ? other + 1 : other;
}

function isEligible(staple: StapleCategory, household: Household): boolean {
  if (staple.requires === "baby") return household.hasBaby;
  if (staple.requires === "dog") return household.hasDog;
  if (staple.requires === "cat") return household.hasCat;
  return true;
}

/** Adds a line, or more of the same product to the line already in the basket. */
function addLine(
  items: GeneratedItem[],
  product: CatalogueProduct,
  quantity: number,
  discount: number,
): void {
  const unitPrice = product.price * (1 - discount);
  const line = items.find((item) => item.sku === product.sku);
  if (line) {
    line.quantity = Math.round((line.quantity + quantity) * 100) / 100;
    line.amount = cents(line.amount + unitPrice * quantity);
  } else {
    items.push({ sku: product.sku, quantity, amount: cents(unitPrice * quantity) });
  }
}

function cents(value: number): number {
  return Math.round(value * 100) / 100;
}
