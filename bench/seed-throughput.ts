// npm run bench:seed [-- --customers N --days D] — seeds a fresh SQLite database in a temporary folder
// and reports purchase items written per second (goal: ≥ 20,000 on the reference 2-core machine),
// plus what that means for a 10,000-customer year. The database is deleted afterwards.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { intOption, parseCommandArgs } from "../src/cli/support/command";
import { seedDatabase } from "../src/datagen/seed";
import { openDatabase } from "../src/db/client";
import { migrateDatabase } from "../src/db/migrate";

const GOAL_ITEMS_PER_SECOND = 20_000;

async function main(): Promise<void> {
  const { values } = parseCommandArgs({ customers: { type: "string" }, days: { type: "string" } });
  const customers = intOption("--customers", values.customers, { min: 1, max: 100_000, fallback: 1_000 });
  const days = intOption("--days", values.days, { min: 1, max: 3_650, fallback: 365 });

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cai-bench-"));
  const file = path.join(dir, "bench.db");
  try {
    await migrateDatabase(`file:${file}`);
    const db = openDatabase(`file:${file}`);
    const summary = await seedDatabase(db.prisma, {
      customers,
      days,
      seed: 1,
      end: new Date("2026-01-01"),
    }).finally(() => db.close());
    // After close, so the write-ahead log has been folded into the file.
    const size = fs.statSync(file).size + fileSize(`${file}-wal`);
    const perCustomer = { seconds: summary.seconds / customers, bytes: size / customers };
    console.log(
      [
        `seeded ${customers} customers × ${days} days into SQLite: ${summary.purchasesCreated} purchases, ` +
          `${summary.itemsCreated} items in ${summary.seconds.toFixed(1)} s`,
        `throughput: ${Math.round(summary.itemsPerSecond)} items/s (goal ≥ ${GOAL_ITEMS_PER_SECOND}) ` +
          (summary.itemsPerSecond >= GOAL_ITEMS_PER_SECOND ? "OK" : "BELOW GOAL"),
        `database: ${(size / 1e6).toFixed(0)} MB; 10,000 customers × ${days} days would take ` +
          `≈ ${((perCustomer.seconds * 10_000) / 60).toFixed(1)} min and ≈ ${((perCustomer.bytes * 10_000) / 1e9).toFixed(1)} GB`,
      ].join("\n"),
    );
    if (summary.itemsPerSecond < GOAL_ITEMS_PER_SECOND) process.exitCode = 1;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function fileSize(file: string): number {
  return fs.existsSync(file) ? fs.statSync(file).size : 0;
}

main().catch((error) => {
  process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
