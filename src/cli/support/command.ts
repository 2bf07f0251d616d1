// The frame every command runs in: validated config, logger, migrated database, and errors that
// end as one clear line on stderr with a meaningful exit code instead of a stack trace.
import { type ParseArgsConfig, parseArgs } from "node:util";
import { clockFor, type Now } from "../../clock";
import { type Config, ConfigError, loadConfig, redactUrl } from "../../config";
import { type Database, openDatabase } from "../../db/client";
import { type MigrateResult, MigrationError, migrateDatabase } from "../../db/migrate";
import { InputError } from "../../errors";
import { createLogger, type Logger } from "../../logger";

export interface CommandContext {
  config: Config;
  log: Logger;
  db: Database;
  /** What the start-up migration did; undefined when MIGRATE_ON_START=false. */
  migration?: MigrateResult;
  /** The service's clock (PREDICTIONS_AS_OF, else the real time): see src/clock.ts. */
  now: Now;
}

/** A mistake in how the command was called: printed with the usage text, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

export interface CommandSpec<Args = undefined> {
  /** Shown after "usage:" when the command is called wrongly. */
  usage: string;
  /**
   * Reads and checks the arguments before anything touches the database, so a mistyped command
   * changes nothing. Throw UsageError for bad arguments.
   */
  parse?: (argv: string[]) => Args;
  /** Migrate even when MIGRATE_ON_START=false (the migrate command itself). */
  alwaysMigrate?: boolean;
  /** Defaults for variables the environment leaves unset (the demo's database for real data). */
  defaultEnv?: (args: Args) => Record<string, string>;
  /** The command's own logger (default: JSON on stderr at LOG_LEVEL). */
  createLog?: (config: Config) => Logger;
  /** Receives the context and parsed arguments; resolves to the exit code (default 0). */
  run(ctx: CommandContext, args: Args): Promise<number | undefined>;
}

/**
 * Runs a command and exits the process with its code. Pending migrations are applied first unless
 * MIGRATE_ON_START=false.
 */
export function runCommand<Args>(spec: CommandSpec<Args>): void {
  execute(spec).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.exitCode = report(error, spec.usage);
    },
  );
}

/** Parses argv strictly; unknown or malformed options become a UsageError. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig["options"]>>(
  options: T,
  args = process.argv.slice(2),
  allowPositionals = false,
) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/**
 * Reads an integer option.
 *
 * @example intOption("--customers", "200", { min: 1, max: 1_000_000 }) // 200
 */
export function intOption(
  name: string,
  value: string | undefined,
  { min, max, fallback }: { min: number; max: number; fallback?: number },
): number {
  if (value === undefined) {
    if (fallback === undefined) throw new UsageError(`${name} is required`);
    return fallback;
  }
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(
      `${name}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

// ---- private helpers ----

async function execute<Args>(spec: CommandSpec<Args>): Promise<number> {
  const args = spec.parse ? spec.parse(process.argv.slice(2)) : (undefined as Args);
  const config = loadConfig({ ...spec.defaultEnv?.(args), ...process.env });
  const log = spec.createLog ? spec.createLog(config) : createLogger(config);
  let migration: MigrateResult | undefined;
  if (config.migrateOnStart || spec.alwaysMigrate) {
    migration = await migrateDatabase(config.databaseUrl, { warn: (m) => log.warn(m) });
    if (migration.applied.length) log.info({ applied: migration.applied }, "applied database migrations");
  }
  const db = openDatabase(config.databaseUrl, { timeouts: config.databaseTimeouts });
  log.debug({ database: redactUrl(config.databaseUrl), provider: db.provider }, "database opened");
  try {
    const now = clockFor(config.predictions);
    return (await spec.run({ config, log, db, migration, now }, args)) ?? 0;
  } finally {
    await db.close();
  }
}

function report(error: unknown, usage: string): number {
  if (error instanceof UsageError) {
    process.stderr.write(`error: ${error.message}\nusage: ${usage}\n`);
    return 2;
  }
  if (error instanceof ConfigError || error instanceof MigrationError || error instanceof InputError) {
    process.stderr.write(`error: ${error.message}\n`);
    return 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`error: ${message.trim()}\n`);
  if (process.env.LOG_LEVEL === "debug" && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  return 1;
}
