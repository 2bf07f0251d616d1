import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { DatabaseProvider } from "../../src/config";
import { openDatabase } from "../../src/db/client";
import { MigrationError, migrateDatabase, migrationsDirectory, readMigrations } from "../../src/db/migrate";
import { createDatabase, PROVIDERS } from "../support/databases";
import { createPostgresDatabase } from "../support/postgres";

const committed = (provider: DatabaseProvider) =>
  readMigrations(migrationsDirectory(provider)).map((m) => m.name);

/** A migrations folder with the committed ones plus extra migrations given as name → SQL. */
function migrationsWith(provider: DatabaseProvider, extra: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cai-migrations-"));
  fs.cpSync(migrationsDirectory(provider), dir, { recursive: true });
  for (const [name, sql] of Object.entries(extra)) {
    fs.mkdirSync(path.join(dir, name));
    fs.writeFileSync(path.join(dir, name, "migration.sql"), sql);
  }
  return dir;
}

for (const provider of PROVIDERS) {
  const skip = provider === "postgresql" ? process.env.CAI_TEST_POSTGRES_SKIP : undefined;
  (skip ? describe.skip : describe)(`migrateDatabase [${provider}]`, () => {
    let database: { url: string; drop(): Promise<void> };
    beforeEach(async () => {
      database = await createDatabase(provider, { migrate: false });
    });
    afterEach(() => database.drop());

    it("applies every committed migration to an empty database, then nothing", async () => {
      expect(await migrateDatabase(database.url)).toEqual({ applied: committed(provider), upToDate: 0 });
      expect(await migrateDatabase(database.url)).toEqual({
        applied: [],
        upToDate: committed(provider).length,
      });
      const db = openDatabase(database.url);
      try {
        expect(await db.prisma.customer.count()).toBe(0);
      } finally {
        await db.close();
      }
    });

    it("lets replicas start together: each migration is applied exactly once", async () => {
      const results = await Promise.all(Array.from({ length: 5 }, () => migrateDatabase(database.url)));
      const applied = results.flatMap((r) => r.applied);
      expect(applied.sort()).toEqual(committed(provider).sort());
    });

    it("rolls a failing migration back completely and names it", async () => {
      const dir = migrationsWith(provider, {
        "29990101000000_broken":
          'CREATE TABLE "Half" ("id" INTEGER NOT NULL);\nSELECT * FROM "NoSuchTable";\n',
      });
      try {
        const attempt = migrateDatabase(database.url, { migrationsDir: dir });
        await expect(attempt).rejects.toThrow(MigrationError);
        await expect(attempt).rejects.toThrow(/29990101000000_broken failed and was rolled back/);
        // The good migrations before it stay applied; the broken one left no table and no record.
        const again = migrateDatabase(database.url, { migrationsDir: migrationsDirectory(provider) });
        expect(await again).toEqual({ applied: [], upToDate: committed(provider).length });
        const db = openDatabase(database.url);
        try {
          const tables = await db.prisma.$queryRawUnsafe<Array<{ n: number | bigint }>>(
            provider === "sqlite"
              ? "SELECT count(*) AS n FROM sqlite_master WHERE name = 'Half'"
              : "SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'Half'",
          );
          expect(Number(tables[0]!.n)).toBe(0);
        } finally {
          await db.close();
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it("warns when an applied migration was edited afterwards", async () => {
      await migrateDatabase(database.url);
      const dir = migrationsWith(provider, {});
      const first = committed(provider)[0]!;
      fs.appendFileSync(path.join(dir, first, "migration.sql"), "\n-- edited\n");
      const warnings: string[] = [];
      try {
        await migrateDatabase(database.url, { migrationsDir: dir, warn: (m) => warnings.push(m) });
        expect(warnings).toEqual([`Migration ${first} was edited after it was applied to this database`]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

it("creates a SQLite file and its folders on first use", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cai-new-"));
  try {
    const file = path.join(dir, "nested", "deeper", "new.db");
    await migrateDatabase(`file:${file}`);
    expect(fs.existsSync(file)).toBe(true);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

(process.env.CAI_TEST_POSTGRES_SKIP ? it.skip : it)(
  "creates a PostgreSQL database that does not exist yet",
  async () => {
    const { url, drop } = await createPostgresDatabase();
    await drop();
    try {
      expect((await migrateDatabase(url)).applied).toEqual(committed("postgresql"));
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const { rows } = await client.query(`SELECT count(*)::int AS n FROM "_prisma_migrations"`);
      await client.end();
      expect(rows[0].n).toBe(committed("postgresql").length);
    } finally {
      await drop();
    }
  },
);
