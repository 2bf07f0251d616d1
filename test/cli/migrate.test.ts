import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { migrationsDirectory, readMigrations } from "../../src/db/migrate";
import { runCli } from "../support/run-cli";

describe("npm run migrate", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cai-cli-"));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("creates and migrates a new SQLite database, then finds it up to date", async () => {
    const env = { DATABASE_URL: `file:${path.join(dir, "new", "app.db")}` };
    const names = readMigrations(migrationsDirectory("sqlite")).map((m) => m.name);
    const first = await runCli("migrate", [], env);
    expect(first.stdout).toBe(
      `Applied ${names.length} migration(s) to ${env.DATABASE_URL}: ${names.join(", ")}\n`,
    );
    expect(first.code).toBe(0);
    const second = await runCli("migrate", [], env);
    expect(second.stdout).toBe(
      `${env.DATABASE_URL} is up to date (${names.length} migration(s) applied earlier)\n`,
    );
  });

  it("rejects a bad DATABASE_URL with one line and no stack trace", async () => {
    const result = await runCli("migrate", [], { DATABASE_URL: "mysql://root:secret@db/shop" });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'error: Invalid configuration: DATABASE_URL: expected a SQLite URL (file:./path.db) or a PostgreSQL URL (postgresql://user@host:5432/db) (got "mysql://root:***@db/shop")\n',
    );
  });

  it("rejects an unknown option before touching the database", async () => {
    const file = path.join(dir, "untouched.db");
    const result = await runCli("migrate", ["--everything"], { DATABASE_URL: `file:${file}` });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("error: Unknown option '--everything'\nusage: npm run migrate\n");
    expect(fs.existsSync(file)).toBe(false);
  });

  it("reports an unreachable PostgreSQL server in one line", async () => {
    const result = await runCli("migrate", [], { DATABASE_URL: "postgresql://postgres@127.0.0.1:1/nowhere" });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^error: Cannot connect to postgresql:\/\/postgres@127\.0\.0\.1:1\/nowhere: .+\n$/,
    );
  });
});
