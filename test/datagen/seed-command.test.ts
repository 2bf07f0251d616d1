import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runCli } from "../support/run-cli";

const USAGE = "usage: npm run seed -- --customers N [--days D] [--seed S] [--end YYYY-MM-DD] [--quiet]\n";

describe("npm run seed", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cai-seed-cli-"));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  // Each run spawns a transpiled command (seconds apiece): one success and one bad argument cover what
  // the command adds to seedDatabase (tested in seed.test.ts) and the frame (test/cli).
  it("seeds and reports in one paragraph", async () => {
    const env = { DATABASE_URL: `file:${path.join(dir, "seed.db")}` };
    const args = ["--customers", "4", "--days", "30", "--seed", "5", "--end", "2026-01-01", "--quiet"];
    const result = await runCli("seed", args, env);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^Seed 5: 4 customers with 30 days of history \(2025-12-02 to 2025-12-31\)\. Created 4 customers, \d+ purchases, \d+ purchase items and \d+ products in [\d.]+ s \(\d+ items\/s\)\.\n$/,
    );
  });

  it("rejects an impossible --end date with one line and exit code 2, touching nothing", async () => {
    const file = path.join(dir, "untouched.db");
    const result = await runCli("seed", ["--customers", "10", "--end", "2026-02-30"], {
      DATABASE_URL: `file:${file}`,
    });
    expect(result.stderr).toBe(
      `error: --end: expected a calendar date as YYYY-MM-DD, got "2026-02-30"\n${USAGE}`,
    );
    expect(result.code).toBe(2);
    expect(fs.existsSync(file)).toBe(false);
  });
});
