// npm run bench:write — the write path (issue 7, part 5): recordPurchase throughput at 20 connections,
// and how fresh a customer's predictions are right after a purchase (the mutation, then the next
// read: it must already reflect the purchase, computed anew rather than served from the cache).
//
//   npm run bench:write [-- --customers N --days D --duration S --connections C --samples K --json]
import { randomBytes } from "node:crypto";
import os from "node:os";
import pino from "pino";
import { intOption, parseCommandArgs } from "../src/cli/support/command";
import {
  BENCH_OPTIONS,
  benchSizes,
  cleanupStack,
  graphql,
  loadTest,
  machine,
  progressTo,
  runBench,
  seedBenchDatabase,
  settle,
  startApiServer,
  summarise,
  threadCpuMs,
  warnUnlessProduction,
} from "./support/serving-harness";

const RECORD = `mutation Record($input: RecordPurchaseInput!) { recordPurchase(input: $input) { created } }`;
const PREDICTIONS = `query Fresh($id: ID!, $category: String) {
  customer(id: $id) { predictions(category: $category) { lastPurchasedAt cached } } }`;

interface FreshAnswer {
  customer: { predictions: Array<{ lastPurchasedAt: string; cached: boolean }> } | null;
}

runBench(async () => {
  const { values } = parseCommandArgs({ ...BENCH_OPTIONS, samples: { type: "string" } });
  const sizes = benchSizes(values);
  const samples = intOption("--samples", values.samples, { min: 1, max: 10_000, fallback: 200 });
  const progress = progressTo("write");
  warnUnlessProduction("bench:write", progress);
  const cleanups = cleanupStack(progress);
  try {
    const { target, data } = await seedBenchDatabase({
      adminUrl: process.env.DATABASE_URL,
      customers: sizes.customers,
      days: sizes.days,
      cleanups,
      progress,
    });
    const log = pino({ level: "warn" });
    let statements = 0;
    const api = await startApiServer({
      databaseUrl: target.url,
      log,
      cleanups,
      onQuery: () => {
        statements++;
      },
    });
    const db = api.database.prisma;
    const customers = (await db.customer.findMany({ select: { id: true } })).map((c) => c.id);
    const products = await db.product.findMany({ select: { sku: true, category: true } });

    // ---- throughput: every request a new purchase (its own idempotencyKey) of 3 products ----
    const run = randomBytes(4).toString("hex");
    // autocannon puts a unique id in place of [<id>] in every request.
    const bodies = Array.from({ length: 1_000 }, (_, i) =>
      JSON.stringify({
        query: RECORD,
        variables: {
          input: {
            customerId: String(customers[i % customers.length]),
            idempotencyKey: `bench:${run}:[<id>]`,
            items: [0, 1, 2].map((k) => ({
              sku: products[(i * 7 + k * 13) % products.length]!.sku,
              quantity: 1,
            })),
          },
        },
      }),
    );
    progress(`recordPurchase: ${sizes.connections} connections for ${sizes.duration} s …`);
    const cpuBefore = threadCpuMs();
    const writes = await loadTest({
      url: api.url,
      headers: api.ingestHeaders,
      connections: sizes.connections,
      duration: sizes.duration,
      bodies,
      idReplacement: true,
    });
    // Requests still queued in the server when the load stopped are finished before anything else.
    await settle(() => statements);
    const cpuPerWrite = (threadCpuMs() - cpuBefore) / Math.max(1, writes.requests);
    const written = await db.purchase.count({ where: { idempotencyKey: { startsWith: `bench:${run}:` } } });
    if (written < writes.requests - writes.failed) {
      throw new Error(`expected ${writes.requests - writes.failed} purchases written, found ${written}`);
    }

    // ---- freshness: warm a customer's predictions, buy one of their categories, read again ----
    progress(`freshness: ${samples} purchases, each read back at once …`);
    const times: number[] = [];
    let stale = 0;
    // Customers with a prediction to check (one who never bought a category twice has none), each
    // buying a category they already have a prediction for.
    for (let i = 0; times.length < samples && i < customers.length * 2; i++) {
      const id = String(customers[(i * 37) % customers.length]);
      await graphql<FreshAnswer>(api.url, api.headers, PREDICTIONS, { id }); // warm the cache
      const current = await db.prediction.findFirst({
        where: { customerId: Number(id), supersededAt: null },
      });
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
      const after = await graphql<FreshAnswer>(api.url, api.headers, PREDICTIONS, {
        id,
        category: product.category,
      });
      times.push(performance.now() - started);
      const today = new Date(purchasedAt.toISOString().slice(0, 10)).toISOString();
      const predictions = after.customer?.predictions ?? [];
      if (!predictions.length || !predictions.every((p) => p.lastPurchasedAt === today && !p.cached)) {
        stale++;
        progress(`not fresh: customer ${id}, ${product.category}: ${JSON.stringify(predictions)}`);
      }
    }
    const freshness = summarise(times, stale, times.reduce((a, b) => a + b, 0) / 1000);

    const m = machine();
    const report = {
      machine: { ...m, loadAverage: os.loadavg()[0] },
      data,
      recordPurchase: { ...writes, serverCpuMsPerRequest: cpuPerWrite, purchasesWritten: written },
      freshness: { samples, stale, p50: freshness.p50, p95: freshness.p95, p99: freshness.p99 },
    };
    if (values.json) {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : "–");
      process.stdout.write(
        [
          `${new Date().toISOString().slice(0, 10)} · ${m.cpu}, ${m.cores} cores · Node ${m.node} · ${target.label}`,
          `Data: ${data.customers} customers × ${data.days} days (${data.purchases} purchases before the run).`,
          "",
          "| write path | requests | failed | req/s | p50 ms | p95 ms | p99 ms | server CPU ms/req |",
          "|---|---:|---:|---:|---:|---:|---:|---:|",
          `| recordPurchase (3 lines), ${sizes.connections} connections, ${sizes.duration} s | ${writes.requests} | ${writes.failed} | ${writes.requestsPerSecond.toFixed(0)} | ${ms(writes.p50)} | ${ms(writes.p95)} | ${ms(writes.p99)} | ${ms(cpuPerWrite)} |`,
          `| purchase → next read of that category's prediction (1 client) | ${samples} | ${stale} stale | – | ${ms(freshness.p50)} | ${ms(freshness.p95)} | ${ms(freshness.p99)} | – |`,
          "",
          stale === 0
            ? "Every read right after a purchase reflected it (recomputed, not cached)."
            : `${stale} of ${samples} reads right after a purchase did not reflect it.`,
          "",
        ].join("\n"),
      );
    }
    if (stale > 0 || writes.failed > 0) process.exitCode = 1;
  } finally {
    await cleanups.run();
  }
});
