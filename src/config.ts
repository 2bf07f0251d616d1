// Every setting the service reads from its environment, validated in one place.
// A bad value stops start-up with one line naming the variable (see ConfigError), never a stack trace.
import path from "node:path";
import { z } from "zod";

export type DatabaseProvider = "sqlite" | "postgresql";

export interface Config {
  nodeEnv: "development" | "test" | "production";
  /** Where the data lives; the scheme picks the database: file: → SQLite, postgres(ql):// → PostgreSQL. */
  databaseUrl: string;
  databaseProvider: DatabaseProvider;
  /** Apply pending migrations before any command touches the database. */
  migrateOnStart: boolean;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
}

/** The embedded default: a SQLite file under ./data/, created on first use. */
export const DEFAULT_DATABASE_URL = "file:./data/customer-ai-analytics.db";

export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Reads and validates the configuration.
 *
 * @example
 *   const config = loadConfig(process.env);
 *   config.databaseProvider; // "sqlite" unless DATABASE_URL says otherwise
 * @throws ConfigError naming the first bad variable, what it expects and what it got.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? "environment");
    const got = env[name];
    throw new ConfigError(
      `Invalid configuration: ${name}: ${issue.message}` +
        (got === undefined ? "" : ` (got ${JSON.stringify(redactUrl(got))})`),
    );
  }
  const { NODE_ENV, DATABASE_URL, MIGRATE_ON_START, LOG_LEVEL } = parsed.data;
  return {
    nodeEnv: NODE_ENV,
    databaseUrl: DATABASE_URL,
    databaseProvider: providerOf(DATABASE_URL)!,
    migrateOnStart: MIGRATE_ON_START,
    logLevel: LOG_LEVEL ?? (NODE_ENV === "test" ? "warn" : "info"),
  };
}

/** The provider a database URL names, or undefined if it names none we support. */
export function providerOf(url: string): DatabaseProvider | undefined {
  if (url.startsWith("file:")) return "sqlite";
  if (/^postgres(ql)?:\/\//.test(url)) return "postgresql";
  return undefined;
}

/** The absolute path of a file: URL's SQLite database (relative paths are relative to the working directory). */
export function sqlitePath(url: string): string {
  const file = url.slice("file:".length).replace(/\?.*$/, "");
  return path.resolve(file);
}

/** The URL with any password replaced, safe for logs and error messages. */
export function redactUrl(value: string): string {
  return value.replace(/(\/\/[^:/@]+:)[^@]*@/, "$1***@");
}

const booleanString = () =>
  z
    .enum(["true", "false", "1", "0"], { error: "expected true or false" })
    .transform((v) => v === "true" || v === "1");

const schema = z.object({
  NODE_ENV: z
    .enum(["development", "test", "production"], { error: "expected development, test or production" })
    .default("development"),
  DATABASE_URL: z
    .string()
    .default(DEFAULT_DATABASE_URL)
    .refine((url) => providerOf(url) !== undefined, {
      message: "expected a SQLite URL (file:./path.db) or a PostgreSQL URL (postgresql://user@host:5432/db)",
    })
    .refine((url) => !url.startsWith("file:") || url.length > "file:".length, {
      message: "expected a file path after file:",
    }),
  MIGRATE_ON_START: booleanString().default(true),
  LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
      error: "expected one of fatal, error, warn, info, debug, trace, silent",
    })
    .optional(),
});
