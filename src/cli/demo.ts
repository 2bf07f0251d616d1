// npm run demo — the embedded default end to end: migrates the SQLite file (or whatever
// DATABASE_URL names), fills an empty database with generated demo data, then shows what is in it.
import { redactUrl } from "../config";
import { seedDatabase } from "../datagen/seed";
import type { Db } from "../db/client";
import { parseCommandArgs, runCommand } from "./support/command";
import { createProgress } from "./support/progress";

/** Enough households for every category to have regulars, small enough to generate in seconds. */
const DEMO = { customers: 300, days: 365, seed: 42 };

runCommand({
  usage: "npm run demo",
  parse: (argv) => parseCommandArgs({}, argv),
  async run({ config, db }) {
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
    return 0;
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
