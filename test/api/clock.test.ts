// PREDICTIONS_AS_OF over HTTP: with the service's clock set to a day in 2017, predictions are made
// for that day, customersDue counts from it and recordPurchase's "not in the future" rule and default
// purchase time follow it.

import {
  CustomersDueDocument,
  CustomersWithPredictionsDocument,
  RecordPurchaseDocument,
} from "../../src/client/generated/graphql";
import { clockSetTo } from "../../src/clock";
import { seedDatabase } from "../../src/datagen/seed";
import { describeApi } from "../support/api";

const TODAY = "2017-07-01";

describeApi(
  "the service's clock set to 2017-07-01",
  (api) => {
    beforeAll(async () => {
      await seedDatabase(api.database.prisma, { customers: 20, days: 180, seed: 11, end: new Date(TODAY) });
    }, 60_000);

    it("predicts for that day: nothing before it, nothing years after it, and with confidence", async () => {
      const response = await api.request(CustomersWithPredictionsDocument, { first: 20 });
      expect(response.errors).toBeUndefined();
      const predictions = response.data!.customers.edges.flatMap((edge) => edge.node.predictions!);
      expect(predictions.length).toBeGreaterThan(20);
      for (const p of predictions) {
        expect(p.nextPurchaseAt >= `${TODAY}T00:00:00.000Z`).toBe(true);
        expect(Date.parse(p.nextPurchaseAt)).toBeLessThan(Date.parse("2018-07-01"));
      }
      // Made for a day right after the purchases, not years after them (confidence ≈ 0.02 then).
      const confident = predictions.filter((p) => p.confidence >= 0.2);
      expect(confident.length).toBeGreaterThan(predictions.length / 2);
    });

    it("answers customersDue counting from that day", async () => {
      const category = "FLUID MILK PRODUCTS";
      const response = await api.request(CustomersDueDocument, { category, withinDays: 3, first: 100 });
      expect(response.errors).toBeUndefined();
      const due = response.data!.customersDue.edges.map((edge) => edge.node.prediction);
      expect(due.length).toBeGreaterThan(0);
      // Within 3 days of that day: likelier than not exactly when the median day is by 2017-07-03.
      const byJuly4 = (p: (typeof due)[number]) => Date.parse(p.nextPurchaseAt) < Date.parse("2017-07-04");
      expect(due.some((p) => p.probability > 0.5)).toBe(true);
      for (const p of due) {
        expect(p.generatedAt.slice(0, 10)).toBe(TODAY);
        if (p.probability > 0.5) expect(byJuly4(p)).toBe(true);
        if (byJuly4(p) && !p.overdue) expect(p.probability).toBeGreaterThanOrEqual(0.5);
      }
    });

    it("dates a purchase without purchasedAt on that day and refuses one a month after it", async () => {
      const product = await api.database.prisma.product.findFirstOrThrow({ orderBy: { id: "asc" } });
      const customer = await api.database.prisma.customer.findFirstOrThrow({ orderBy: { id: "asc" } });
      const line = { sku: product.sku, quantity: 1 };
      const now = await api.request(
        RecordPurchaseDocument,
        { input: { customerId: String(customer.id), items: [line] } },
        { as: "ingest" },
      );
      expect(now.errors).toBeUndefined();
      expect(now.data!.recordPurchase.purchase.purchasedAt.slice(0, 10)).toBe(TODAY);

      const later = await api.request(
        RecordPurchaseDocument,
        { input: { customerId: String(customer.id), purchasedAt: "2017-08-01T12:00:00Z", items: [line] } },
        { as: "ingest" },
      );
      expect(later.errors).toEqual([
        expect.objectContaining({
          message: expect.stringMatching(/^purchasedAt: expected a time no later than a day from now/),
          extensions: expect.objectContaining({ code: "BAD_USER_INPUT" }),
        }),
      ]);
    });
  },
  { predictions: { now: clockSetTo(TODAY, "UTC") } },
);
