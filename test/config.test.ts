import path from "node:path";
import { ConfigError, DEFAULT_DATABASE_URL, loadConfig, sqlitePath } from "../src/config";

describe("loadConfig", () => {
  it("defaults to the embedded SQLite file, development, migrations on", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      nodeEnv: "development",
      databaseUrl: DEFAULT_DATABASE_URL,
      databaseProvider: "sqlite",
      migrateOnStart: true,
      logLevel: "info",
    });
    expect(sqlitePath(config.databaseUrl)).toBe(path.resolve("data", "customer-ai-analytics.db"));
  });

  it("picks PostgreSQL from the URL scheme", () => {
    for (const url of ["postgresql://u@h:5432/db", "postgres://u@h/db"]) {
      expect(loadConfig({ DATABASE_URL: url }).databaseProvider).toBe("postgresql");
    }
  });

  it("reads MIGRATE_ON_START=false", () => {
    expect(loadConfig({ MIGRATE_ON_START: "false" }).migrateOnStart).toBe(false);
  });

  it.each([
    [
      { DATABASE_URL: "mysql://root:hunter2@db/shop" },
      'Invalid configuration: DATABASE_URL: expected a SQLite URL (file:./path.db) or a PostgreSQL URL (postgresql://user@host:5432/db) (got "mysql://root:***@db/shop")',
    ],
    [
      { DATABASE_URL: "file:" },
      'Invalid configuration: DATABASE_URL: expected a file path after file: (got "file:")',
    ],
    [
      { MIGRATE_ON_START: "maybe" },
      'Invalid configuration: MIGRATE_ON_START: expected true or false (got "maybe")',
    ],
    [
      { NODE_ENV: "prod" },
      'Invalid configuration: NODE_ENV: expected development, test or production (got "prod")',
    ],
  ])("rejects %j with one line naming the variable", (env, message) => {
    expect(() => loadConfig(env)).toThrow(new ConfigError(message));
    try {
      loadConfig(env);
    } catch (error) {
      expect((error as Error).message).not.toContain("\n");
      expect((error as Error).message).not.toContain("hunter2");
    }
  });
});
