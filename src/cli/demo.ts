// npm run demo — the embedded default end to end: migrates the SQLite file (or whatever
// DATABASE_URL names), fills an empty database with generated demo data, shows what is in it and
// serves the API on it. Without ADMIN_API_KEYS (outside production) it makes up an admin key for
// this run and prints it once.
import { redactUrl } from "../config";
import { seedDatabase } from "../datagen/seed";
import type { Db } from "../db/client";
import { parseCommandArgs, runCommand } from "./support/command";
import { createProgress } from "./support/progress";
import { generateApiKey, serveUntilSignal } from "./support/serve";

/** Enough households for every category to have regulars, small enough to generate in seconds. */
const DEMO = { customers: 300, days: 365, seed: 42 };

runCommand({
  usage: "npm run demo",
  parse: (argv) => parseCommandArgs({}, argv),
  async run(ctx) {
    const { config, db } = ctx;
    if ((await db.prisma.customer.count()) === 0) {
      console.log(`Empty database: generating demo data (${DEMO.customers} households, ${DEMO.days} days)…`);
      const progress = createProgress({ label: "demo data", total: DEMO.customers, unit: "customers" });
      const end = new Date(new Date().toISOString().slice(0, 10));
      let done = 0;
      await seedDatabase(db.prisma, {
        ...DEMO,
        end,
        onProgress: (customers) => {
          progress.increment(customers - done);
          done = customers;
        },
      });
      progress.stop();
    }
    console.log(`\nDatabase: ${redactUrl(config.databaseUrl)} (${db.provider})`);
    console.log(await describeData(db.prisma));
    const generated =
      config.apiKeys.admin.length === 0 && config.nodeEnv !== "production" ? generateApiKey() : undefined;
    const apiKeys = generated ? { ...config.apiKeys, admin: [generated] } : config.apiKeys;
    return serveUntilSignal(ctx, {
      apiKeys,
      banner: (url) =>
        [
          "",
          `GraphQL API: ${url}  (open it in a browser for the playground; Ctrl+C stops)`,
          generated ? `Admin API key for this run (shown once): ${generated}` : "",
          `Try: curl -s ${url} -H 'content-type: application/json' -d '{"query":"{ customers(first: 3) { edges { node { id name predictions(withinDays: 7) { category nextPurchaseAt windowStart windowEnd confidence reason } } } } }"}'`,
          "",
        ]
          .filter((line, i) => line || i === 0)
          .join("\n"),
    });
  },
});

async function describeData(prisma: Db): Promise<string> {
  const [customers, products, purchases, items, range] = await Promise.all([
    prisma.customer.count(),
    prisma.product.count(),
    prisma.purchase.count(),
    prisma.purchaseItem.count(),
    prisma.purchase.aggregate({ _min: { purchasedAt: true }, _max: { purchasedAt: true } }),
  ]);
  const lines = [
    `${customers} customers, ${products} products, ${purchases} purchases, ${items} purchase items`,
    `purchases from ${day(range._min.purchasedAt)} to ${day(range._max.purchasedAt)}`,
  ];
  const example = await prisma.customer.findFirst({
    where: { purchases: { some: {} } },
    orderBy: { id: "asc" },
    include: {
      purchases: {
        orderBy: { purchasedAt: "desc" },
        take: 3,
        include: { items: { include: { product: { select: { name: true, category: true } } } } },
      },
    },
  });
  if (example) {
    lines.push("", `Latest purchases of ${example.name} (${example.externalId}):`);
    for (const purchase of example.purchases) {
      const what = purchase.items.map((i) => `${i.quantity} × ${i.product.name}`).join(", ");
      lines.push(`  ${day(purchase.purchasedAt)}  ${purchase.total.toFixed(2)}  ${what}`);
    }
  }
  return lines.join("\n");
}

function day(date: Date | null | undefined): string {
  return date ? date.toISOString().slice(0, 10) : "—";
}
