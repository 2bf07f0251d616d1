// Checks generated histories against the process docs/DATA_GENERATION.md documents. Expectations come
// from the documented constants only (catalogue and household modules), never from generated data, so a
// generator that drifts from its documentation fails here.
import {
  REFERENCE_HOUSEHOLD_SIZE,
  STAPLES,
  type StapleCategory,
  stapleOfSku,
} from "../../src/datagen/catalogue";
import { type GeneratedCustomer, generateCustomers } from "../../src/datagen/generator";
import { HOUSEHOLD_TYPE_SHARES, type HouseholdType, NEW_CUSTOMER_DAYS } from "../../src/datagen/household";

const OPTIONS = { seed: 2026, days: 365, end: new Date("2026-01-01T00:00:00Z") };
const CUSTOMERS = 2_000;
/** How far a median of normalised intervals may be from the documented 1. */
const TOLERANCE = 0.05;

/**
 * The documented interval model, solved for its noise: a purchase of q units makes the next need come
 * q × daysPerUnit × (2 / size)^elasticity × personal factor days later, and the trip on or after the need
 * adds about half a trip period. What remains has median 1.
 */
function normalised(interval: number, quantity: number, staple: StapleCategory, c: GeneratedCustomer) {
  const { size, tripPeriod, staples } = c.household;
  const personal = staples.find((s) => s.staple === staple)!.personalFactor;
  const sizeFactor = (REFERENCE_HOUSEHOLD_SIZE / size) ** staple.sizeElasticity;
  return (interval - tripPeriod / 2) / (quantity * staple.daysPerUnit * sizeFactor * personal);
}

/** Everything the assertions need, aggregated while customers stream by (none is kept). */
const seen = {
  types: new Map<HouseholdType, number>(),
  /** Normalised intervals of regular households, by staple key. */
  byStaple: new Map<string, number[]>(STAPLES.map((s) => [s.key, []])),
  /** …of packaged staples, by the quantity bought at the interval's start. */
  byQuantity: new Map<number, number[]>([
    [1, []],
    [2, []],
  ]),
  bySize: { single: [] as number[], reference: [] as number[], large: [] as number[] },
  byPersonalFactor: { low: [] as number[], high: [] as number[] },
  /** log(normalised) spread, by household type. */
  logSpread: { regular: [] as number[], irregular: [] as number[] },
  /** Raw milk intervals of regular reference-size households, by quantity bought. */
  referenceMilk: new Map<number, number[]>([
    [1, []],
    [2, []],
  ]),
  newCustomers: { earliestDay: Number.POSITIVE_INFINITY, mostPurchases: 0, withoutPurchases: 0 },
  basketLines: [] as number[],
};

beforeAll(() => {
  for (const customer of generateCustomers(OPTIONS, CUSTOMERS)) observe(customer);
});

describe("the generating process", () => {
  it("mixes household types as documented", () => {
    for (const [type, share] of HOUSEHOLD_TYPE_SHARES) {
      // ±0.02 is about four standard errors at 2,000 customers.
      expect(Math.abs((seen.types.get(type) ?? 0) / CUSTOMERS - share)).toBeLessThan(0.02);
    }
  });

  it.each(STAPLES.map((s) => [s.key]))("matches the documented cadence of %s", (key) => {
    const ratios = seen.byStaple.get(key)!;
    expect(ratios.length).toBeGreaterThan(1_000);
    expect(Math.abs(median(ratios) - 1)).toBeLessThan(TOLERANCE);
  });

  it("lets quantity set the interval: q units last q times as long", () => {
    for (const ratios of seen.byQuantity.values())
      expect(Math.abs(median(ratios) - 1)).toBeLessThan(TOLERANCE);
    const one = median(seen.referenceMilk.get(1)!);
    const two = median(seen.referenceMilk.get(2)!);
    // Documented: 7 and 14 days of milk plus about two days of trip delay (half of a 4.15-day period).
    expect(one).toBeGreaterThanOrEqual(7);
    expect(one).toBeLessThanOrEqual(11);
    expect(two / one).toBeGreaterThan(1.5);
  });

  it("scales cadence with household size and the personal factor", () => {
    for (const ratios of [...Object.values(seen.bySize), ...Object.values(seen.byPersonalFactor)]) {
      expect(ratios.length).toBeGreaterThan(5_000);
      expect(Math.abs(median(ratios) - 1)).toBeLessThan(TOLERANCE);
    }
  });

  it("makes irregular households much noisier than regular ones", () => {
    const spread = (values: number[]) => median(values.map(Math.abs));
    expect(spread(seen.logSpread.irregular)).toBeGreaterThan(2 * spread(seen.logSpread.regular));
  });

  it("gives brand-new customers only a few recent baskets", () => {
    const { earliestDay, mostPurchases, withoutPurchases } = seen.newCustomers;
    expect(earliestDay).toBeGreaterThanOrEqual(OPTIONS.days - NEW_CUSTOMER_DAYS);
    expect(mostPurchases).toBeLessThanOrEqual(NEW_CUSTOMER_DAYS);
    expect(withoutPurchases).toBe(0);
  });

  it("fills baskets with typically 5 to 20 lines", () => {
    const lines = seen.basketLines.sort((a, b) => a - b);
    const at = (share: number) => lines[Math.floor(share * (lines.length - 1))]!;
    expect(at(0.5)).toBeGreaterThanOrEqual(5);
    expect(at(0.5)).toBeLessThanOrEqual(12);
    expect(at(0.9)).toBeLessThanOrEqual(20);
    expect(at(0)).toBeGreaterThanOrEqual(1);
  });
});

// ---- helpers ----

function observe(customer: GeneratedCustomer): void {
  const { household, purchases } = customer;
  seen.types.set(household.type, (seen.types.get(household.type) ?? 0) + 1);
  for (const purchase of purchases) seen.basketLines.push(purchase.items.length);
  if (household.type === "new") {
    const { newCustomers } = seen;
    newCustomers.earliestDay = Math.min(
      newCustomers.earliestDay,
      purchases[0]?.day ?? Number.POSITIVE_INFINITY,
    );
    newCustomers.mostPurchases = Math.max(newCustomers.mostPurchases, purchases.length);
    if (!purchases.length) newCustomers.withoutPurchases++;
    return;
  }

  const last = new Map<StapleCategory, { day: number; quantity: number }>();
  for (const purchase of purchases) {
    for (const item of purchase.items) {
      const staple = stapleOfSku(item.sku);
      // One-off promotional buys in categories the household does not use have no cadence.
      if (!staple || !household.staples.some((s) => s.staple === staple)) continue;
      const previous = last.get(staple);
      last.set(staple, { day: purchase.day, quantity: item.quantity });
      if (!previous || nearHoliday(customer, previous.day, purchase.day)) continue;
      const ratio = normalised(purchase.day - previous.day, previous.quantity, staple, customer);
      if (household.type === "irregular") {
        seen.logSpread.irregular.push(Math.log(Math.max(ratio, 0.01)));
        continue;
      }
      seen.logSpread.regular.push(Math.log(Math.max(ratio, 0.01)));
      record(customer, staple, previous.quantity, purchase.day - previous.day, ratio);
    }
  }
}

function record(
  customer: GeneratedCustomer,
  staple: StapleCategory,
  quantity: number,
  interval: number,
  ratio: number,
) {
  const { size, staples } = customer.household;
  seen.byStaple.get(staple.key)!.push(ratio);
  if (staple.quantity.kind === "units") seen.byQuantity.get(quantity)?.push(ratio);
  if (size === 1) seen.bySize.single.push(ratio);
  if (size === REFERENCE_HOUSEHOLD_SIZE) seen.bySize.reference.push(ratio);
  if (size >= 4) seen.bySize.large.push(ratio);
  const personal = staples.find((s) => s.staple === staple)!.personalFactor;
  if (personal < 0.8) seen.byPersonalFactor.low.push(ratio);
  if (personal > 1.25) seen.byPersonalFactor.high.push(ratio);
  if (staple.key === "milk" && size === REFERENCE_HOUSEHOLD_SIZE)
    seen.referenceMilk.get(quantity)?.push(interval);
}

/** Holidays move purchases on purpose (stock-up before, catch-up after): such intervals are left out. */
function nearHoliday(customer: GeneratedCustomer, from: number, to: number): boolean {
  const margin = 2 * customer.household.tripPeriod;
  return customer.household.holidays.some((h) => from < h.end && to >= h.start - margin);
}

function median(values: readonly number[]): number {
  if (!values.length) throw new Error("median of no values");
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
