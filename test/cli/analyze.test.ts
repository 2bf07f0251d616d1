// npm run analyze: one customer analysed now, printed as JSON; with --dry-run the exact Bedrock
// request and its cost, and no call at all (checked against the fake Bedrock Runtime).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { seedDatabase } from "../../src/datagen/seed";
import { openDatabase } from "../../src/db/client";
import { migrateDatabase } from "../../src/db/migrate";
import { type FakeBedrock, type FakeBedrockRequest, startFakeBedrock } from "../support/fake-bedrock";
import { runCli } from "../support/run-cli";

const TODAY = new Date(new Date().toISOString().slice(0, 10));

/** Keeps every statistical forecast and says so. */
function keepStatistics(request: FakeBedrockRequest) {
  const keys = (request.promptText ?? "")
    .split("\n")
    .flatMap((line) => /^(k\d+)\|.*\|(\d+) \[/.exec(line) ?? []);
  const predictions = [];
  for (let i = 0; i < keys.length; i += 3) {
    const [, key, next] = keys.slice(i, i + 3);
    predictions.push({ key, next: +next!, reason: "as the statistics say" });
  }
  return { predictions, insights: ["Regular shopper"] };
}

describe("npm run analyze", () => {
  let dir: string;
  let url: string;
  let fake: FakeBedrock;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cai-analyze-"));
    url = `file:${path.join(dir, "analyze.db")}`;
    await migrateDatabase(url);
    const database = openDatabase(url);
    try {
      await seedDatabase(database.prisma, { customers: 3, days: 120, seed: 5, end: TODAY });
    } finally {
      await database.close();
    }
    fake = await startFakeBedrock({ responder: keepStatistics });
    env = {
      DATABASE_URL: url,
      BEDROCK_ENDPOINT: fake.endpoint,
      AWS_ACCESS_KEY_ID: "AKIDTESTANALYZE",
      AWS_SECRET_ACCESS_KEY: "secret",
      AWS_REGION: "us-east-1",
    };
  }, 60_000);
  afterAll(async () => {
    await fake?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("prints the exact Converse request and its cost with --dry-run, and sends nothing", async () => {
    const result = await runCli("analyze", ["--customer", "1", "--analyzer", "bedrock", "--dry-run"], env);
    expect(result.code).toBe(0);
    expect(fake.requests).toHaveLength(0);
    const [, json] = /^# Dry run: nothing is sent\..*\n([\s\S]*)\n# user content/m.exec(result.stdout)!;
    const request = JSON.parse(json!) as {
      modelId: string;
      messages: Array<{ content: Array<{ text: string }> }>;
    };
    expect(request.modelId).toBe("us.anthropic.claude-haiku-4-5-20251001-v1:0");
    const text = request.messages[0]!.content[0]!.text;
    expect(text).toMatch(/^ref r-dry-run; today = day 0/);
    expect(result.stdout).toMatch(
      new RegExp(`# user content: ${text.length} characters; estimated cost at most \\$0\\.0\\d+`),
    );
  }, 60_000);

  it("analyses with Claude through the configured endpoint and prints the predictions", async () => {
    const result = await runCli("analyze", ["--customer", "1", "--analyzer", "bedrock"], env);
    expect(result.code).toBe(0);
    expect(fake.requests).toHaveLength(1);
    const analysis = JSON.parse(result.stdout) as {
      predictions: Array<{ source: string }>;
      insights: string[];
    };
    expect(analysis.predictions.length).toBeGreaterThan(0);
    expect(analysis.predictions.every((p) => p.source === "BEDROCK")).toBe(true);
    expect(analysis.insights).toEqual(["Regular shopper"]);
  }, 60_000);

  it("without AWS credentials says what is missing in one line, exits 1, and calls and records nothing", async () => {
    const { AWS_ACCESS_KEY_ID: _id, AWS_SECRET_ACCESS_KEY: _secret, ...withoutKeys } = env;
    const requestsBefore = fake.requests.length;
    const recorded = async () => {
      const database = openDatabase(url);
      try {
        return [await database.prisma.aiUsage.count(), await database.prisma.aiFallback.count()];
      } finally {
        await database.close();
      }
    };
    const recordedBefore = await recorded();
    const result = await runCli("analyze", ["--customer", "1", "--analyzer", "bedrock"], {
      ...withoutKeys,
      // No shared config files and no instance metadata service to wait for.
      AWS_SHARED_CREDENTIALS_FILE: path.join(dir, "no-credentials"),
      AWS_CONFIG_FILE: path.join(dir, "no-config"),
      AWS_EC2_METADATA_DISABLED: "true",
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(
      /^error: no AWS credentials found for Bedrock: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY .*AWS_PROFILE.*\n$/,
    );
    expect(fake.requests).toHaveLength(requestsBefore);
    expect(await recorded()).toEqual(recordedBefore);
  }, 60_000);

  it("refuses an unknown customer and a bad --analyzer with clear errors", async () => {
    const missing = await runCli("analyze", ["--customer", "nobody-here"], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('error: no customer with id or externalId "nobody-here"');
    const bad = await runCli("analyze", ["--customer", "1", "--analyzer", "gpt"], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('error: --analyzer: expected statistical or bedrock, got "gpt"');
  }, 60_000);
});
