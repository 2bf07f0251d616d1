// The SQLite and PostgreSQL schemas come from one source (prisma/models.prisma) but each has its
// own rendered schema file and migrations. These tests fail as soon as the two drift apart.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { migrationsDirectory } from "../../src/db/migrate";
import { projectRoot } from "../../src/project-root";

const schemaFile = (provider: string) => path.join(projectRoot(), "prisma", provider, "schema.prisma");

import { createDatabase, PROVIDERS } from "../support/databases";
import { introspect } from "../support/introspect";
import { prismaCli, schemaEngineUnavailable } from "../support/prisma-cli";

const postgresSkip = process.env.CAI_TEST_POSTGRES_SKIP;

describe("schema drift", () => {
  it("the rendered schema files are up to date with prisma/models.prisma", () => {
    const result = spawnSync(process.execPath, ["scripts/prisma-schemas.mjs", "--check"], {
      cwd: projectRoot(),
      encoding: "utf8",
    });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it("both databases have the same migrations, in the same order", () => {
    const names = PROVIDERS.map((p) =>
      fs
        .readdirSync(migrationsDirectory(p))
        .filter((f) => fs.statSync(path.join(migrationsDirectory(p), f)).isDirectory()),
    );
    expect(names[0]!.length).toBeGreaterThan(0);
    expect(names[1]).toEqual(names[0]);
  });

  (postgresSkip ? it.skip : it)(
    "migrated SQLite and PostgreSQL databases have the same structure",
    async () => {
      const sqlite = await createDatabase("sqlite");
      const postgres = await createDatabase("postgresql");
      try {
        const [a, b] = await Promise.all([introspect(sqlite.url), introspect(postgres.url)]);
        expect(a.columns.length).toBeGreaterThan(0);
        expect(b).toEqual(a);
      } finally {
        await sqlite.drop();
        await postgres.drop();
      }
    },
  );
});

const engineSkip = schemaEngineUnavailable();
if (engineSkip && process.env.CI === "true")
  throw new Error(`CI must check migrations with Prisma: ${engineSkip}`);
if (engineSkip) console.warn(`[skip] Prisma CLI checks: ${engineSkip}`);

for (const provider of PROVIDERS) {
  const skip = engineSkip ?? (provider === "postgresql" ? postgresSkip : undefined);
  (skip ? describe.skip : describe)(`migrations agree with Prisma [${provider}]`, () => {
    let database: { url: string; drop(): Promise<void> };
    beforeAll(async () => {
      database = await createDatabase(provider);
    });
    afterAll(() => database?.drop());

    it("our migrator leaves a database Prisma calls up to date", () => {
      const { status, output } = prismaCli(provider, ["migrate", "status"], database.url);
      expect(output).toContain("Database schema is up to date");
      expect(status).toBe(0);
    });

    it("the committed migrations produce exactly the schema file", async () => {
      // Replays the migrations into a shadow database and diffs it with the schema: a model change
      // without its migration fails here.
      const shadow =
        provider === "postgresql" ? await createDatabase(provider, { migrate: false }) : undefined;
      try {
        const { status, output } = prismaCli(
          provider,
          [
            "migrate",
            "diff",
            "--from-migrations",
            migrationsDirectory(provider),
            "--to-schema",
            schemaFile(provider),
            "--exit-code",
          ],
          database.url,
          shadow?.url,
        );
        expect(output).toContain("No difference detected");
        expect(status).toBe(0);
      } finally {
        await shadow?.drop();
      }
    });
  });
}
