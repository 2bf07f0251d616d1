#!/usr/bin/env node
// Runs the Prisma CLI for both databases (SQLite and PostgreSQL each have their own schema,
// generated client and migrations; see prisma/models.prisma).
//
//   node scripts/prisma.mjs generate                 generate both clients
//   node scripts/prisma.mjs migration --name <name>  write a new migration for both databases
//   node scripts/prisma.mjs <sqlite|postgresql> ...  any prisma command on one of them
//
// `migration` replays the existing migrations into scratch databases (a temporary SQLite file and
// a temporary PostgreSQL database on POSTGRES_ADMIN_URL, default postgresql://postgres@127.0.0.1:5432/postgres)
// and diffs them against the schema, so it needs a reachable PostgreSQL and nothing else.
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

function newMigration(name) {
  if (!/^[a-z0-9_]+$/.test(name ?? "")) {
    console.error("usage: node scripts/prisma.mjs migration --name <snake_case_name>");
    process.exit(2);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cai-migration-"));
  try {
    prisma("sqlite", ["migrate", "dev", "--create-only", "--name", name], {
      DATABASE_URL: `file:${path.join(tmp, "scratch.db")}`,
    });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const suffix = crypto.randomBytes(4).toString("hex");
  const [db, shadow] = [`cai_migration_${suffix}`, `cai_migration_${suffix}_shadow`];
  const urlOf = pgAdmin(`CREATE DATABASE ${db}`);
  pgAdmin(`CREATE DATABASE ${shadow}`);
  try {
    prisma("postgresql", ["migrate", "dev", "--create-only", "--name", name], {
      DATABASE_URL: urlOf(db),
      SHADOW_DATABASE_URL: urlOf(shadow),
    });
  } finally {
    pgAdmin(`DROP DATABASE IF EXISTS ${db}`);
    pgAdmin(`DROP DATABASE IF EXISTS ${shadow}`);
  }
  // The two CLI runs stamp their folders a few seconds apart; one name for both keeps them paired.
  const dirs = (provider) => fs.readdirSync(path.join(root, "prisma", provider, "migrations"));
  const sqliteName = dirs("sqlite")
    .filter((d) => d.endsWith(`_${name}`))
    .sort()
    .at(-1);
  const pgName = dirs("postgresql")
    .filter((d) => d.endsWith(`_${name}`))
    .sort()
    .at(-1);
  if (sqliteName && pgName && sqliteName !== pgName) {
    const pgDir = path.join(root, "prisma", "postgresql", "migrations");
    fs.renameSync(path.join(pgDir, pgName), path.join(pgDir, sqliteName));
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
