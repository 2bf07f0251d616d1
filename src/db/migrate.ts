// Applies the committed Prisma migrations (prisma/<provider>/migrations) at start-up without
// Prisma's CLI, which needs a native engine that production images and offline machines may lack.
//
// It keeps Prisma's own bookkeeping: the same `_prisma_migrations` table, the same checksums
// (SHA-256 of migration.sql) and, on PostgreSQL, the same advisory lock, so `prisma migrate status`
// and `prisma migrate deploy` agree with it and exclude it while they run. Unlike the CLI, each
// migration and its bookkeeping row commit together: a failing migration leaves nothing behind.
import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import pg from "pg";
import { type DatabaseProvider, providerOf, redactUrl, sqlitePath } from "../config";
import { projectRoot } from "../project-root";

export interface Migration {
  /** Folder name, e.g. "20261125062444_init"; migrations apply in name order. */
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrateResult {
  /** Migrations this call applied, in order. */
  applied: string[];
  /** Migrations that were already in the database. */
  upToDate: number;
}

export interface MigrateOptions {
  /** Receives warnings (e.g. a migration edited after it was applied). */
  warn?: (message: string) => void;
  /** Defaults to prisma/<provider>/migrations of this project. */
  migrationsDir?: string;
}

export class MigrationError extends Error {
  override name = "MigrationError";
}

/**
 * Brings the database a URL names up to date with the committed migrations. Safe to call from
 * many processes at once (replicas starting together): they serialise on a lock and only the first
 * applies anything. An empty SQLite path or an empty PostgreSQL database gets the whole schema; a
 * PostgreSQL database that does not exist yet is created.
 *
 * @example
 *   const { applied } = await migrateDatabase("file:./data/dev.db");
 */
export async function migrateDatabase(url: string, options: MigrateOptions = {}): Promise<MigrateResult> {
  const provider = providerOf(url);
  if (!provider)
    throw new MigrationError(`Cannot migrate ${JSON.stringify(redactUrl(url))}: unsupported URL`);
  const migrations = readMigrations(options.migrationsDir ?? migrationsDirectory(provider));
  const warn = options.warn ?? (() => {});
  return provider === "sqlite"
    ? migrateSqlite(sqlitePath(url), migrations, warn)
    : migratePostgres(url, migrations, warn);
}

/** The committed migrations folder for a provider. */
export function migrationsDirectory(provider: DatabaseProvider): string {
  return path.join(projectRoot(), "prisma", provider, "migrations");
}

/** Reads every `<dir>/<name>/migration.sql`, in name order. */
export function readMigrations(dir: string): Migration[] {
  if (!fs.existsSync(dir)) throw new MigrationError(`No migrations folder at ${dir}`);
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(dir, entry.name, "migration.sql")))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

// ---- private helpers ----

// Prisma Migrate's lock key on PostgreSQL, so the CLI and this migrator never run together.
const PRISMA_ADVISORY_LOCK = 72707369;

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: unknown;
  rolled_back_at: unknown;
}

/** Splits the recorded rows into applied names, complaining about failures and edits. */
function plan(migrations: Migration[], rows: AppliedRow[], warn: (m: string) => void): Migration[] {
  const failed = rows.find((r) => r.finished_at == null && r.rolled_back_at == null);
  if (failed) {
    throw new MigrationError(
      `Migration ${failed.migration_name} failed earlier and was never resolved; ` +
        "fix the database, then run `prisma migrate resolve` for it",
    );
  }
  const applied = new Map(rows.filter((r) => r.rolled_back_at == null).map((r) => [r.migration_name, r]));
  for (const migration of migrations) {
    const row = applied.get(migration.name);
    if (row && row.checksum !== migration.checksum) {
      warn(`Migration ${migration.name} was edited after it was applied to this database`);
    }
  }
  return migrations.filter((m) => !applied.has(m.name));
}

function failure(migration: Migration, error: unknown): MigrationError {
  const reason = error instanceof Error ? error.message : String(error);
  return new MigrationError(`Migration ${migration.name} failed and was rolled back: ${reason}`);
}

const SQLITE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

function migrateSqlite(file: string, migrations: Migration[], warn: (m: string) => void): MigrateResult {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new BetterSqlite3(file, { timeout: 30_000 });
  try {
    // WAL lets readers (API replicas on one host, the batch job) work while a writer commits.
    db.pragma("journal_mode = WAL");
    db.exec(SQLITE_TABLE);
    const applied: string[] = [];
    let upToDate = 0;
    for (const migration of migrations) {
      // One IMMEDIATE transaction per migration: it takes the write lock before re-reading the
      // bookkeeping, so two processes starting together cannot both apply the same migration.
      db.exec("BEGIN IMMEDIATE");
      try {
        const rows = db.prepare("SELECT * FROM _prisma_migrations").all() as AppliedRow[];
        if (!plan([migration], rows, warn).length) {
          db.exec("COMMIT");
          upToDate++;
          continue;
        }
        const startedAt = new Date().toISOString();
        db.exec(migration.sql);
        db.prepare(
          `INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, started_at, applied_steps_count)
           VALUES (?, ?, ?, ?, ?, 1)`,
        ).run(randomUUID(), migration.checksum, new Date().toISOString(), migration.name, startedAt);
        db.exec("COMMIT");
        applied.push(migration.name);
      } catch (error) {
        if (db.inTransaction) db.exec("ROLLBACK");
        throw failure(migration, error);
      }
    }
    return { applied, upToDate };
  } finally {
    db.close();
  }
}

const POSTGRES_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

async function migratePostgres(url: string, migrations: Migration[], warn: (m: string) => void) {
  const client = await connectCreatingDatabase(url);
  try {
    await client.query("SELECT pg_advisory_lock($1)", [PRISMA_ADVISORY_LOCK]);
    await client.query(POSTGRES_TABLE);
    const { rows } = await client.query<AppliedRow>("SELECT * FROM _prisma_migrations");
    const pending = plan(migrations, rows, warn);
    for (const migration of pending) {
      try {
        await client.query("BEGIN");
        const startedAt = new Date();
        await client.query(migration.sql);
        await client.query(
          `INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, started_at, applied_steps_count)
           VALUES ($1, $2, now(), $3, $4, 1)`,
          [randomUUID(), migration.checksum, migration.name, startedAt],
        );
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw failure(migration, error);
      }
    }
    return { applied: pending.map((m) => m.name), upToDate: migrations.length - pending.length };
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [PRISMA_ADVISORY_LOCK]).catch(() => {});
    await client.end();
  }
}

/** Connects; if the database does not exist yet, creates it first (as `prisma migrate deploy` does). */
async function connectCreatingDatabase(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => {});
    if ((error as { code?: string }).code !== "3D000") {
      throw new MigrationError(`Cannot connect to ${redactUrl(url)}: ${(error as Error).message}`);
    }
  }
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const adminClient = new pg.Client({ connectionString: admin.toString() });
  try {
    await adminClient.connect();
    await adminClient.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } catch (error) {
    // Another replica may have created it a moment ago.
    if ((error as { code?: string }).code !== "42P04") {
      throw new MigrationError(
        `Database ${name} does not exist and could not be created: ${(error as Error).message}`,
      );
    }
  } finally {
    await adminClient.end().catch(() => {});
  }
  const client2 = new pg.Client({ connectionString: url });
  await client2.connect();
  return client2;
}
