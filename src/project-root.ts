import fs from "node:fs";
import path from "node:path";

let cached: string | undefined;

/**
 * The folder holding this project's package.json, found by walking up from this file, so paths to
 * prisma/ and friends work alike from src/ (ts-jest) and dist/src/ (compiled).
 */
export function projectRoot(): string {
  if (cached) return cached;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "package.json")) && fs.existsSync(path.join(dir, "prisma"))) {
      cached = dir;
      return dir;
    }
    if (path.dirname(dir) === dir)
      throw new Error(`No project root (package.json + prisma/) above ${__dirname}`);
  }
}
