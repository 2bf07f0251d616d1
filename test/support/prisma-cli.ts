// Runs the Prisma CLI (through scripts/prisma.mjs, which picks the per-provider config) for tests
// that check our migrations against Prisma's own view of the schema.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { DatabaseProvider } from "../../src/config";
import { projectRoot } from "../../src/project-root";

/** Why the Prisma schema engine cannot run here, or undefined when it can. */
export function schemaEngineUnavailable(): string | undefined {
  if (process.env.PRISMA_SCHEMA_ENGINE_BINARY) return undefined;
  const root = projectRoot();
  if (fs.existsSync(path.resolve(root, "..", "shared", "tools", "prisma-schema-engine-shim.mjs")))
    return undefined;
  const engines = path.join(root, "node_modules", "@prisma", "engines");
  if (fs.existsSync(engines) && fs.readdirSync(engines).some((f) => f.startsWith("schema-engine")))
    return undefined;
  return "Prisma's schema engine was not downloaded and PRISMA_SCHEMA_ENGINE_BINARY is not set";
}

export function prismaCli(
  provider: DatabaseProvider,
  args: string[],
  databaseUrl: string,
  shadowUrl?: string,
) {
  const result = spawnSync(process.execPath, [path.join("scripts", "prisma.mjs"), provider, ...args], {
    cwd: projectRoot(),
    encoding: "utf8",
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      ...(shadowUrl ? { SHADOW_DATABASE_URL: shadowUrl } : {}),
    },
    timeout: 60_000,
  });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}
