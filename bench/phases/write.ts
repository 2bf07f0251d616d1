// Phase "write" (issue 7 row 5): recordPurchase throughput at C clients (every request a new purchase
// of 3 products, its own idempotencyKey), then freshness: warm a customer's predictions, record a
// purchase in one of their categories and read that category's prediction at once; it must already
// reflect the purchase (lastPurchasedAt today), computed anew rather than served from the cache.
// It adds purchases, so it runs after every read phase.
import { randomBytes } from "node:crypto";
import { graphql, type Latencies, loadTest, settle, summarise } from "../support/serving-harness";
import type { MeasuredPhase, ServingContext } from "./context";

const RECORD = `mutation Record($input: RecordPurchaseInput!) { recordPurchase(input: $input) { created } }`;
const PREDICTIONS = `query Fresh($id: ID!) {
  customer(id: $id) { predictions { category lastPurchasedAt cached } } }`;

interface FreshAnswer {
  customer: { predictions: Array<{ category: string; lastPurchasedAt: string; cached: boolean }> } | null;
}

export interface WriteRun {
  recordPurchase: MeasuredPhase & { purchasesWritten: number };
  /** Purchase → next read, 1 client; `failed` counts reads that did not reflect the purchase (stale). */
  freshness: Latencies;
}

export async function writeRun(ctx: ServingContext, run: number, label: string): Promise<WriteRun> {
  const { api, options, progress } = ctx;
  const db = api.database.prisma;
  // The read phases wrote predictions; a production PostgreSQL has their statistics within minutes
  // (autovacuum; it is off on the CI machine). Without them, recordPurchase's lookup of open
  // predictions is planned through the fulfilledAt index (see batch-refresh.ts analyzePredictions).
  if (api.database.provider === "postgresql") await db.$executeRawUnsafe("ANALYZE");
  const customers = (await db.customer.findMany({ select: { id: true }, orderBy: { id: "asc" } })).map(
    (c) => c.id,
  );
  const products = await db.product.findMany({
    select: { sku: true, category: true },
    orderBy: { id: "asc" },
  });

  const tag = randomBytes(4).toString("hex");
  // autocannon puts a unique id in place of [<id>] in every request.
  const bodies = Array.from({ length: 1_000 }, (_, i) =>
    JSON.stringify({
      query: RECORD,
      variables: {
        input: {
          customerId: String(customers[i % customers.length]),
          idempotencyKey: `bench:${tag}:[<id>]`,
          items: [0, 1, 2].map((k) => ({
            sku: products[(i * 7 + k * 13) % products.length]!.sku,
            quantity: 1,
          })),
        },
      },
    }),
  );
  progress(`${label}: recordPurchase (${options.connections} clients, ${options.duration} s) …`);
  const writes = await ctx.measure(run, "write", async () => {
    const result = await loadTest({
      url: api.url,
      headers: api.ingestHeaders,
      connections: options.connections,
      duration: options.duration,
      bodies,
      idReplacement: true,
    });
    // Requests still queued when the load stopped are finished before anything else is measured.
    await settle(() => ctx.sql.statements);
    return result;
  });
  const written = await db.purchase.count({ where: { idempotencyKey: { startsWith: `bench:${tag}:` } } });
  if (written < writes.requests - writes.failed) {
    throw new Error(`expected ${writes.requests - writes.failed} purchases written, found ${written}`);
  }

  progress(`${label}: freshness, ${options.samples} purchases each read back at once …`);
  const times: number[] = [];
  let stale = 0;
  // Customers with a prediction to check (one who never bought a category twice has none), each
  // buying a category they already have a prediction for; each run starts further along.
  const offset = (run - 1) * options.samples;
  for (let i = 0; times.length < options.samples && i < customers.length * 2; i++) {
    const id = String(customers[((offset + i) * 37) % customers.length]);
    await graphql<FreshAnswer>(api.url, api.headers, PREDICTIONS, { id });
    const current = await db.prediction.findFirst({ where: { customerId: Number(id), supersededAt: null } });
    const product = current && products.find((p) => p.category === current.category);
    if (!product) continue;
    const purchasedAt = new Date();
    const started = performance.now();
    await graphql(api.url, api.ingestHeaders, RECORD, {
      input: {
        customerId: id,
        purchasedAt: purchasedAt.toISOString(),
        items: [{ sku: product.sku, quantity: 1 }],
      },
    });
    const after = await graphql<FreshAnswer>(api.url, api.headers, PREDICTIONS, { id });
    times.push(performance.now() - started);
    const today = new Date(purchasedAt.toISOString().slice(0, 10)).toISOString();
    const predictions = after.customer?.predictions ?? [];
    const bought = predictions.find((p) => p.category === product.category);
    // Fresh: computed after the purchase, and the category shows it. The category may also have
    // no prediction any more: the new basket pushed its other purchase out of the newest 20.
    const fresh =
      predictions.length > 0 &&
      predictions.every((p) => !p.cached) &&
      (!bought || bought.lastPurchasedAt === today);
    if (!fresh) {
      stale++;
      progress(`not fresh: customer ${id}, ${product.category}: ${JSON.stringify(predictions)}`);
    }
  }
  return {
    recordPurchase: { ...writes, purchasesWritten: written },
    freshness: summarise(times, stale, times.reduce((a, b) => a + b, 0) / 1000),
  };
}
