// npm run seed -- --customers N [--days D] [--seed S] [--end YYYY-MM-DD] [--quiet] — fills DATABASE_URL
// with synthetic grocery histories (docs/DATA_GENERATION.md). Deterministic: the same seed, days and
// end give the same data, and running it again adds nothing.
import { DateTime } from "luxon";
import { seedDatabase } from "../datagen/seed";
import { intOption, parseCommandArgs, runCommand, UsageError } from "./support/command";
import { createProgress } from "./support/progress";

interface SeedArgs {
  customers: number;
  days: number;
  seed: number;
  end: Date;
  quiet: boolean;
}

runCommand<SeedArgs>({
  usage: "npm run seed -- --customers N [--days D] [--seed S] [--end YYYY-MM-DD] [--quiet]",
  parse: (argv) => {
    const { values } = parseCommandArgs(
      {
        customers: { type: "string" },
        days: { type: "string" },
        seed: { type: "string" },
        end: { type: "string" },
        quiet: { type: "boolean", default: false },
      },
      argv,
    );
    return {
      customers: intOption("--customers", values.customers, { min: 1, max: 1_000_000 }),
      days: intOption("--days", values.days, { min: 1, max: 3_650, fallback: 365 }),
      seed: intOption("--seed", values.seed, { min: 0, max: 2_147_483_647, fallback: 1 }),
      end: values.end === undefined ? startOfTodayUtc() : parseEndDate(values.end),
      quiet: values.quiet,
    };
  },
  async run({ db }, { customers, days, seed, end, quiet }) {
    const progress = createProgress({
      label: "seeding",
      total: customers,
      unit: "customers",
      enabled: !quiet,
    });
    let done = 0;
    const summary = await seedDatabase(db.prisma, {
      customers,
      days,
      seed,
      end,
      onProgress: (customersDone) => {
        progress.increment(customersDone - done);
        done = customersDone;
      },
    }).finally(() => progress.stop());
    const from = new Date(end.getTime() - days * 86_400_000).toISOString().slice(0, 10);
    const to = new Date(end.getTime() - 86_400_000).toISOString().slice(0, 10);
    const skipped = summary.customersSkipped
      ? ` ${summary.customersSkipped} of them were already there and were left as they are.`
      : "";
    console.log(
      `Seed ${seed}: ${customers} customers with ${days} days of history (${from} to ${to}). ` +
        `Created ${summary.customersCreated} customers, ${summary.purchasesCreated} purchases, ` +
        `${summary.itemsCreated} purchase items and ${summary.productsCreated} products ` +
        `in ${summary.seconds.toFixed(1)} s (${Math.round(summary.itemsPerSecond)} items/s).${skipped}`,
    );
    return 0;
  },
});

// ---- private helpers ----

function startOfTodayUtc(): Date {
  return DateTime.utc().startOf("day").toJSDate();
}

/** A calendar date as its UTC midnight; "2026-02-30", "tomorrow" or "2026-1-5" are usage errors. */
function parseEndDate(value: string): Date {
  const date = DateTime.fromFormat(value, "yyyy-MM-dd", { zone: "utc" });
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || !date.isValid) {
    throw new UsageError(`--end: expected a calendar date as YYYY-MM-DD, got ${JSON.stringify(value)}`);
  }
  return date.toJSDate();
}
