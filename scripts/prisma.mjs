#!/usr/bin/env node
// Runs the Prisma CLI for both databases (SQLite and PostgreSQL each have their own schema,
// generated client and migrations; see prisma/models.prisma).
//
//   node scripts/prisma.mjs generate                 generate both clients
//   node scripts/prisma.mjs migration --name <name>  write a new migration for both databases
//   node scripts/prisma.mjs <sqlite|postgresql> ...  any prisma command on one of them
//
// `migration` replays the existing migrations into scratch databases (a temporary SQLite file and a
// temporary PostgreSQL database on POSTGRES_ADMIN_URL, default postgresql://postgres@127.0.0.1:5432/postgres)
// and diffs them against the schema files, so it needs a reachable PostgreSQL and nothing else.
//
// Prisma's CLI runs a native schema engine that it downloads at install time. Machines without
// internet can point PRISMA_SCHEMA_ENGINE_BINARY at a stand-in; if it is unset and a stand-in sits
// at ../shared/tools/prisma-schema-engine-shim.mjs beside this checkout, that one is used.
import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const PROVIDERS = ["sqlite", "postgresql"];

function engineEnv() {
  if (process.env.PRISMA_SCHEMA_ENGINE_BINARY) return {};
  const shim = path.resolve(root, "..", "shared", "tools", "prisma-schema-engine-shim.mjs");
  return fs.existsSync(shim) ? { PRISMA_SCHEMA_ENGINE_BINARY: shim } : {};
}

function prisma(provider, args, env = {}) {
  const cli = path.join(root, "node_modules", "prisma", "build", "index.js");
  const config = path.join("prisma", provider, "prisma.config.ts");
  const result = spawnSync(process.execPath, [cli, ...args, "--config", config], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, ...engineEnv(), PRISMA_HIDE_UPDATE_MESSAGE: "1", ...env },
  });
  if (result.status !== 0) {
    console.error(`prisma ${args.join(" ")} (${provider}) failed`);
    process.exit(result.status ?? 1);
  }
}

function pgAdmin(sql) {
  const admin = process.env.POSTGRES_ADMIN_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
  const result = spawnSync(
    process.execPath,
    [
      "-e",
      `const {Client}=require("pg");const c=new Client(${JSON.stringify(admin)});c.connect().then(()=>c.query(${JSON.stringify(sql)})).then(()=>c.end()).catch(e=>{console.error(e.message);process.exit(1)})`,
    ],
    { cwd: root, stdio: "inherit" },
  );
  if (result.status !== 0) process.exit(1);
  const url = new URL(admin);
  return (db) => {
    url.pathname = `/${db}`;
    return url.toString();
  };
}

/** The SQL that takes a provider's committed migrations to its schema file ("" when none is needed). */
function pendingSql(provider, env) {
  const cli = path.join(root, "node_modules", "prisma", "build", "index.js");
  const dir = path.join("prisma", provider, "migrations");
  const schema = path.join("prisma", provider, "schema.prisma");
  const config = path.join("prisma", provider, "prisma.config.ts");
  const result = spawnSync(
    process.execPath,
    [cli, "migrate", "diff", "--from-migrations", dir, "--to-schema", schema, "--script", "--config", config],
    {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, ...engineEnv(), PRISMA_HIDE_UPDATE_MESSAGE: "1", ...env },
    },
  );
  if (result.status !== 0) {
    console.error(result.stdout, result.stderr);
    console.error(`prisma migrate diff (${provider}) failed`);
    process.exit(result.status ?? 1);
  }
  return /^\s*(--[^\n]*\n|\s)*$/.test(result.stdout) ? "" : result.stdout;
}

// New migrations come from `prisma migrate diff` between the committed migrations (replayed into a
// scratch shadow database) and the schema file, so no development database is needed or touched.
function newMigration(name) {
  if (!/^[a-z0-9_]+$/.test(name ?? "")) {
    console.error("usage: node scripts/prisma.mjs migration --name <snake_case_name>");
    process.exit(2);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cai-migration-"));
  const shadowName = `cai_migration_${crypto.randomBytes(4).toString("hex")}_shadow`;
  let sql;
  try {
    const urlOf = pgAdmin(`CREATE DATABASE ${shadowName}`);
    sql = {
      sqlite: pendingSql("sqlite", { DATABASE_URL: `file:${path.join(tmp, "scratch.db")}` }),
      postgresql: pendingSql("postgresql", {
        DATABASE_URL: urlOf(shadowName),
        SHADOW_DATABASE_URL: urlOf(shadowName),
      }),
    };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    pgAdmin(`DROP DATABASE IF EXISTS ${shadowName}`);
  }
  if (!sql.sqlite && !sql.postgresql) {
    console.log("The schema files match the migrations: nothing to write.");
    return;
  }
  // One folder name for both databases keeps the two migration sets paired.
  const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
  for (const provider of PROVIDERS) {
    const dir = path.join(root, "prisma", provider, "migrations", `${stamp}_${name}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "migration.sql"), sql[provider]);
    console.log(`wrote ${path.relative(root, dir)}/migration.sql`);
  }
  console.log("Review both migration.sql files, then commit them with prisma/models.prisma.");
}

const [command, ...rest] = process.argv.slice(2);
if (command === "generate") {
  for (const provider of PROVIDERS) prisma(provider, ["generate"]);
} else if (command === "migration") {
  const at = rest.indexOf("--name");
  newMigration(at >= 0 ? rest[at + 1] : undefined);
} else if (PROVIDERS.includes(command)) {
  prisma(command, rest);
} else {
  console.error(
    "usage: node scripts/prisma.mjs generate | migration --name <name> | <sqlite|postgresql> <prisma args...>",
  );
  process.exit(2);
}
