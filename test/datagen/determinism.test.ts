import { CATALOGUE_PRODUCTS } from "../../src/datagen/catalogue";
import {
  DAY_MS,
  type GeneratorOptions,
  generateCustomer,
  generateCustomers,
  historyStart,
} from "../../src/datagen/generator";

const OPTIONS: GeneratorOptions = { seed: 1, days: 120, end: new Date("2026-03-01T00:00:00Z") };

describe("generated data", () => {
  it("is identical for the same seed", () => {
    expect([...generateCustomers(OPTIONS, 10)]).toEqual([...generateCustomers(OPTIONS, 10)]);
  });

  it("differs for another seed", () => {
    const one = [...generateCustomers(OPTIONS, 10)];
    const other = [...generateCustomers({ ...OPTIONS, seed: 2 }, 10)];
    const sameHistories = one.filter(
      (c, i) => JSON.stringify(c.purchases) === JSON.stringify(other[i]!.purchases),
    );
    expect(sameHistories).toHaveLength(0);
  });

  it("gives customer k the same history whatever the number of customers", () => {
    const ten = [...generateCustomers(OPTIONS, 10)];
    const hundred = [...generateCustomers(OPTIONS, 100)];
    expect(hundred.slice(0, 10)).toEqual(ten);
    expect(generateCustomer(OPTIONS, 7)).toEqual(ten[7]);
  });

  it("depends only on the end's UTC day, and moves with it", () => {
    const midnight = generateCustomer(OPTIONS, 3);
    const afternoon = generateCustomer({ ...OPTIONS, end: new Date("2026-03-01T15:30:00Z") }, 3);
    expect(afternoon).toEqual(midnight);
    const weekLater = generateCustomer({ ...OPTIONS, end: new Date("2026-03-08T00:00:00Z") }, 3);
    expect(weekLater.purchases.map((p) => p.purchasedAt.getTime() - 7 * DAY_MS)).toEqual(
      midnight.purchases.map((p) => p.purchasedAt.getTime()),
    );
  });

  it("keeps every purchase inside the history, in time order, with stable unique keys", () => {
    const start = historyStart(OPTIONS).getTime();
    const skus = new Set(CATALOGUE_PRODUCTS.map((p) => p.sku));
    const emails = new Set<string>();
    for (const customer of generateCustomers(OPTIONS, 50)) {
      expect(customer.externalId).toBe(`syn-1-${String(customer.index).padStart(7, "0")}`);
      emails.add(customer.email);
      customer.purchases.forEach((purchase, n) => {
        expect(purchase.idempotencyKey).toBe(`seed:1:${customer.index}:${n}`);
        expect(purchase.purchasedAt.getTime()).toBeGreaterThanOrEqual(start + purchase.day * DAY_MS);
        expect(purchase.purchasedAt.getTime()).toBeLessThan(start + (purchase.day + 1) * DAY_MS);
        expect(purchase.day).toBeLessThan(OPTIONS.days);
        if (n > 0) expect(purchase.day).toBeGreaterThan(customer.purchases[n - 1]!.day);
        expect(new Set(purchase.items.map((i) => i.sku)).size).toBe(purchase.items.length);
        for (const item of purchase.items) {
          expect(skus.has(item.sku)).toBe(true);
          expect(item.quantity).toBeGreaterThan(0);
          expect(item.amount).toBeGreaterThan(0);
          expect(Math.round(item.amount * 100)).toBeCloseTo(item.amount * 100, 6);
        }
      });
    }
    expect(emails.size).toBe(50);
    expect(generateCustomer({ ...OPTIONS, seed: 2 }, 0).email).not.toBe(generateCustomer(OPTIONS, 0).email);
  });

  it("rejects options it cannot honour with what it expected", () => {
    expect(() => generateCustomer({ ...OPTIONS, days: 0 }, 0)).toThrow(
      "days: expected a whole number of at least 1, got 0",
    );
    expect(() => generateCustomer({ ...OPTIONS, seed: -1 }, 0)).toThrow("seed: expected a whole number");
    expect(() => generateCustomer({ ...OPTIONS, end: new Date("nope") }, 0)).toThrow(
      "end: expected a valid date",
    );
  });
});
