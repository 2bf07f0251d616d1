#!/usr/bin/env node
// Builds the browser apps (web/ → dist/web) with Vite, unless the last build was made from the same
// inputs: npm run build, the demo and the browser tests call this often, and a build takes ~20 s.
//
//   node scripts/build-web.mjs           build if web/, the typed client documents or the lockfile changed
//   node scripts/build-web.mjs --force   build anyway
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outDir = path.join(root, "dist", "web");
const stampFile = path.join(outDir, ".inputs-sha256");
const inputs = ["web", "src/client/generated", "package-lock.json"];

/** Every input file's path and content, in a stable order. */
function inputsHash() {
  const hash = crypto.createHash("sha256");
  const visit = (relative) => {
    const full = path.join(root, relative);
    if (fs.statSync(full).isDirectory()) {
      for (const name of fs.readdirSync(full).sort()) visit(path.join(relative, name));
    } else {
      hash.update(`${relative}\0`).update(fs.readFileSync(full)).update("\0");
    }
  };
  for (const input of inputs) visit(input);
  return hash.digest("hex");
}

const wanted = inputsHash();
const built = ["playground", "dashboard"].every((app) => fs.existsSync(path.join(outDir, app, "index.html")));
const current = fs.existsSync(stampFile) ? fs.readFileSync(stampFile, "utf8").trim() : undefined;
if (!process.argv.includes("--force") && built && current === wanted) {
  process.exit(0);
}

// Always React's production build, whatever NODE_ENV the caller runs under (jest sets "test").
process.env.NODE_ENV = "production";
const { build } = await import("vite");
const started = Date.now();
await build({ configFile: path.join(root, "web", "vite.config.mts"), logLevel: "warn" });
fs.writeFileSync(stampFile, `${wanted}\n`);
process.stderr.write(`web apps built into dist/web in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
