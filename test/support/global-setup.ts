// Runs once before all suites: decides whether the PostgreSQL suites can run. Workers inherit
// process.env, so they read the verdict from CAI_TEST_POSTGRES_SKIP.
import pg from "pg";
import { postgresAdminUrl } from "./postgres";

export default async function globalSetup(): Promise<void> {
  const client = new pg.Client({ connectionString: postgresAdminUrl(), connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (error) {
    const reason = `PostgreSQL unreachable at ${postgresAdminUrl()}: ${(error as Error).message}`;
    if (process.env.CI === "true") throw new Error(`${reason} (CI must run the PostgreSQL suites)`);
    process.env.CAI_TEST_POSTGRES_SKIP = reason;
    console.warn(`\n[skip] PostgreSQL suites: ${reason}\n`);
  } finally {
    await client.end().catch(() => {});
  }
}
