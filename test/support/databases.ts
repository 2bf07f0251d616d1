// Each test file gets its own, freshly migrated databases: a SQLite file in a temp folder and, where
// the server is reachable, a PostgreSQL database that is dropped afterwards.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { DatabaseProvider } from "../../src/config";
import { type Database, openDatabase } from "../../src/db/client";
import { migrateDatabase } from "../../src/db/migrate";
import { createPostgresDatabase } from "./postgres";

export interface TestDatabase {
  provider: DatabaseProvider;
  url: string;
  database: Database;
}

export const PROVIDERS: DatabaseProvider[] = ["sqlite", "postgresql"];

/** A new empty database of the provider; `migrate: false` leaves it without tables. */
export async function createDatabase(
  provider: DatabaseProvider,
  { migrate = true } = {},
): Promise<{ url: string; drop(): Promise<void> }> {
  let created: { url: string; drop(): Promise<void> };
  if (provider === "sqlite") {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cai-test-"));
    created = {
      url: `file:${path.join(dir, "test.db")}`,
      drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  } else {
    created = await createPostgresDatabase();
  }
  if (migrate) await migrateDatabase(created.url);
  return created;
}

/**
 * Declares the same suite once per database. Inside, `handle.database` is a migrated, open
 * database private to this suite. PostgreSQL suites are skipped (with the reason printed once by
 * the global setup) only when the server is unreachable outside CI.
 */
export function describeEachDatabase(title: string, body: (handle: TestDatabase) => void): void {
  for (const provider of PROVIDERS) {
    const skipReason = provider === "postgresql" ? process.env.CAI_TEST_POSTGRES_SKIP : undefined;
    const define = skipReason ? describe.skip : describe;
    define(`${title} [${provider}]`, () => {
      const handle = { provider } as TestDatabase;
      let drop: () => Promise<void> = async () => {};
      beforeAll(async () => {
        const created = await createDatabase(provider);
        drop = created.drop;
        handle.url = created.url;
        handle.database = openDatabase(created.url, { poolSize: 4 });
      });
      afterAll(async () => {
        await handle.database?.close();
        await drop();
      });
      body(handle);
    });
  }
}
