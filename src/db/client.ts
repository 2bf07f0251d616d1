// One Prisma client per provider. Prisma generates a separate client for each provider (a client
// refuses another provider's adapter), but both expose the same model API because they are rendered
// from the same prisma/models.prisma; the rest of the code sees only `Db`.
import fs from "node:fs";
import path from "node:path";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import {
  type DatabaseProvider,
  type DatabaseTimeouts,
  DEFAULT_DATABASE_TIMEOUTS,
  providerOf,
  redactUrl,
  sqlitePath,
} from "../config";
import { PrismaClient as PostgresClient } from "../generated/prisma/postgresql/client";
import { PrismaClient as SqliteClient } from "../generated/prisma/sqlite/client";

/** The Prisma client the application codes against, whichever database is behind it. */
export type Db = SqliteClient;

export interface Database {
  readonly prisma: Db;
  readonly provider: DatabaseProvider;
  /** Closes the connection (pool); the Database is unusable afterwards. */
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** Largest number of PostgreSQL connections this process opens (default 10). */
  poolSize?: number;
  /** Deadlines of every call (default DEFAULT_DATABASE_TIMEOUTS). */
  timeouts?: DatabaseTimeouts;
  /** Called for every SQL statement sent (tests count queries per request with it). */
  onQuery?: (sql: string) => void;
}

/**
 * Opens the database a URL names: `file:` → SQLite (the file and its folder are created on first
 * use), `postgres(ql)://` → PostgreSQL. Does not migrate; see `migrateDatabase`.
 *
 * @example
 *   const db = openDatabase("file:./data/dev.db");
 *   const n = await db.prisma.customer.count();
 *   await db.close();
 */
export function openDatabase(url: string, options: OpenDatabaseOptions = {}): Database {
  // errorFormat "minimal": Prisma's default messages embed source paths and code frames.
  const provider = providerOf(url);
  const timeouts = options.timeouts ?? DEFAULT_DATABASE_TIMEOUTS;
  if (provider === "sqlite") {
    const file = sqlitePath(url);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const prisma = new SqliteClient({
      // SQLite has no statement timeout; what can hold a call is another process's lock.
      adapter: new PrismaBetterSqlite3({ url: `file:${file}`, timeout: timeouts.sqliteBusyMs }),
      errorFormat: "minimal",
      ...queryLog(options),
    });
    listen(prisma, options);
    return { prisma, provider, close: () => prisma.$disconnect() };
  }
  if (provider === "postgresql") {
    const adapter = new PrismaPg({
      connectionString: url,
      max: options.poolSize ?? 10,
      // Without these a hung server (one that accepts connections and never answers) holds every call
      // forever. The server cancels a slow statement itself; the client-side limit, a second later,
      // catches a server or network that does not even answer that.
      connectionTimeoutMillis: timeouts.connectMs,
      statement_timeout: timeouts.statementMs,
      query_timeout: timeouts.statementMs + 1_000,
    });
    // Same models, other provider: the PostgreSQL client is structurally the application's Db.
    const prisma = new PostgresClient({
      adapter,
      errorFormat: "minimal",
      ...queryLog(options),
    }) as unknown as Db;
    listen(prisma, options);
    return { prisma, provider, close: () => prisma.$disconnect() };
  }
  throw new Error(
    `Unsupported database URL ${JSON.stringify(redactUrl(url))}: expected file: or postgresql://`,
  );
}

function queryLog(options: OpenDatabaseOptions) {
  return options.onQuery ? { log: [{ emit: "event" as const, level: "query" as const }] } : {};
}

function listen(prisma: Db, { onQuery }: OpenDatabaseOptions): void {
  if (!onQuery) return;
  // The client's type only offers $on("query") when built with that log level, which queryLog did.
  (prisma as unknown as { $on(event: "query", cb: (e: { query: string }) => void): void }).$on("query", (e) =>
    onQuery(e.query),
  );
}
