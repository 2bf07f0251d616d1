// npm run refresh: arguments, the summary it prints, resuming a stopped run by default, exit codes.
// The command's body runs in-process (refreshCommand); one spawned run covers the frame.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { exitCodeOf, parseRefreshArgs, refreshCommand } from "../../src/cli/refresh";
import { UsageError } from "../../src/cli/support/command";
import { loadConfig } from "../../src/config";
import { seedDatabase } from "../../src/datagen/seed";
import { openDatabase } from "../../src/db/client";
import { migrateDatabase } from "../../src/db/migrate";
import { RefreshQueue } from "../../src/predictions/batch/queue/refresh-queue";
import { startRefreshWorker } from "../../src/predictions/batch/queue/refresh-worker";
import { createPredictionRuntime } from "../../src/predictions/runtime";
import { createDatabase, describeEachDatabase } from "../support/databases";
import { redisTestUrl, testNamespace } from "../support/redis";
import { runCli } from "../support/run-cli";

const SEED = { customers: 12, days: 120, seed: 8, end: new Date(new Date().toISOString().slice(0, 10)) };
const log = pino({ level: "silent" });

describe("refresh arguments", () => {
  it("has defaults and reads every option", () => {
    expect(parseRefreshArgs([])).toEqual({ chunkSize: 500, concurrency: 2, fitPriors: true, quiet: false });
    expect(
      parseRefreshArgs([
        "--chunk-size",
        "50",
        "--concurrency",
        "4",
        "--resume",
        "7",
        "--no-priors",
        "--quiet",
      ]),
    ).toEqual({ chunkSize: 50, concurrency: 4, resume: 7, fitPriors: false, quiet: true });
  });

  it.each([
    [["--chunk-size", "0"], '--chunk-size: expected a whole number from 1 to 10000, got "0"'],
    [["--concurrency", "two"], '--concurrency: expected a whole number from 1 to 64, got "two"'],
    [["--resume", "0"], '--resume: expected a whole number from 1 to 2147483647, got "0"'],
    [["--fast"], "Unknown option '--fast'"],
  ])("refuses %j with a UsageError", (argv, message) => {
    expect(() => parseRefreshArgs(argv)).toThrow(UsageError);
    expect(() => parseRefreshArgs(argv)).toThrow(message);
  });

  it("exits 1 when customers failed or the run failed, 0 otherwise", () => {
    expect(exitCodeOf({ outcome: "new", status: "succeeded", failed: 0 })).toBe(0);
    expect(exitCodeOf({ outcome: "new", status: "succeeded", failed: 3 })).toBe(1);
    expect(exitCodeOf({ outcome: "resumed", status: "failed", failed: 0 })).toBe(1);
    expect(exitCodeOf({ outcome: "joined", status: "running", failed: 2 })).toBe(0);
  });
});

describeEachDatabase("refresh command", (handle) => {
  beforeAll(() => seedDatabase(handle.database.prisma, SEED), 120_000);

  const command = (argv: string[]) => {
    const lines: string[] = [];
    const config = loadConfig({ DATABASE_URL: handle.url, LOG_LEVEL: "silent" });
    return refreshCommand({ config, log, db: handle.database }, parseRefreshArgs(argv), (line) =>
      lines.push(line),
    ).then((code) => ({ code, lines }));
  };

  it("refreshes every customer and prints one summary line; exit code 0", async () => {
    const { code, lines } = await command(["--quiet", "--chunk-size", "5"]);
    expect(code).toBe(0);
    expect(lines).toEqual([
      expect.stringMatching(
        /^Batch run \d+ succeeded: 12\/12 customers done, 0 failed; 12 in this run in [\d.]+ s \(\d+ customers\/s, [\d.]+ s fitting\); priors [0-9a-f]+\.$/,
      ),
    ]);
  });

  it("resumes the newest stopped run by default, then starts new ones", async () => {
    const db = handle.database.prisma;
    const stopped = await db.batchRun.create({
      data: {
        status: "running",
        trigger: "cli",
        heartbeatAt: new Date(0),
        total: 12,
        processed: 5,
        cursor: 0,
      },
    });
    const resumed = await command(["--quiet", "--no-priors"]);
    expect(resumed.code).toBe(0);
    expect(resumed.lines[0]).toBe(`Resuming batch run ${stopped.id} (its process stopped).`);
    expect(resumed.lines[1]).toMatch(new RegExp(`^Batch run ${stopped.id} succeeded: `));
    const fresh = await command(["--quiet", "--no-priors"]);
    expect(fresh.lines).toEqual([expect.stringMatching(/^Batch run (\d+) succeeded: 12\/12 customers done/)]);
    expect(fresh.lines[0]).not.toContain(`Batch run ${stopped.id} `);
  });

  it("--resume of a finished run does nothing and says so", async () => {
    const last = await handle.database.prisma.batchRun.findFirstOrThrow({ orderBy: { id: "desc" } });
    const { code, lines } = await command(["--quiet", "--resume", String(last.id)]);
    expect(code).toBe(0);
    expect(lines).toEqual([
      `Batch run ${last.id} has already succeeded: nothing to do (12 customers, 0 failed).`,
    ]);
  });
});

describe("npm run refresh (spawned)", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cai-refresh-cli-"));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("runs end to end on a SQLite file and exits 0", async () => {
    const url = `file:${path.join(dir, "refresh.db")}`;
    await migrateDatabase(url);
    const database = openDatabase(url);
    try {
      await seedDatabase(database.prisma, { ...SEED, customers: 4 });
    } finally {
      await database.close();
    }
    const result = await runCli("refresh", ["--quiet"], { DATABASE_URL: url });
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/^Batch run 1 succeeded: 4\/4 customers done, 0 failed; /);
    expect(result.code).toBe(0);
  });

  it("refuses a bad option with the usage and exit code 2", async () => {
    const result = await runCli("refresh", ["--concurrency", "0"], {
      DATABASE_URL: `file:${path.join(dir, "untouched.db")}`,
    });
    expect(result.stderr).toBe(
      'error: --concurrency: expected a whole number from 1 to 64, got "0"\n' +
        "usage: npm run refresh -- [--chunk-size N] [--concurrency N] [--resume <runId>] [--no-priors] [--quiet]\n",
    );
    expect(result.code).toBe(2);
    expect(fs.existsSync(path.join(dir, "untouched.db"))).toBe(false);
  });
});

// With REDIS_URL the command enqueues the run and follows it to its end; a worker (here in this
// process) does the work.
(process.env.CAI_TEST_REDIS_SKIP ? describe.skip : describe)("refresh command on the queue", () => {
  const prefix = testNamespace();
  let created: { url: string; drop(): Promise<void> };
  let database: ReturnType<typeof openDatabase>;
  let queue: RefreshQueue;
  beforeAll(async () => {
    created = await createDatabase("sqlite");
    database = openDatabase(created.url);
    await seedDatabase(database.prisma, SEED);
    queue = new RefreshQueue({ redisUrl: redisTestUrl(), prefix, log });
  }, 120_000);
  afterAll(async () => {
    await queue.queue.obliterate({ force: true });
    await queue.close();
    await database.close();
    await created.drop();
  });

  it("enqueues the run, follows it and prints the summary; exit code 0", async () => {
    const env = {
      DATABASE_URL: created.url,
      REDIS_URL: redisTestUrl(),
      QUEUE_PREFIX: prefix,
      LOG_LEVEL: "silent",
    };
    const config = loadConfig({ ...env, CACHE_NAMESPACE: prefix });
    const runtime = createPredictionRuntime({
      config: config.predictions,
      db: database.prisma,
      provider: database.provider,
      log,
    });
    const worker = startRefreshWorker(
      { db: database.prisma, provider: database.provider, log, runtime, queue },
      { redisUrl: redisTestUrl(), prefix, concurrency: 2, lockMs: 30_000 },
    );
    try {
      const lines: string[] = [];
      const code = await refreshCommand(
        { config, log, db: database },
        parseRefreshArgs(["--quiet"]),
        (line) => lines.push(line),
      );
      expect(lines).toEqual([
        expect.stringMatching(
          /^Batch run \d+ succeeded: 12\/12 customers done, 0 failed; on the queue in [\d.]+ s \(\d+ customers\/s, [\d.]+ s fitting priors and queueing\); priors [0-9a-f]+\.$/,
        ),
      ]);
      expect(code).toBe(0);
    } finally {
      await worker.close();
      await runtime.close();
    }
  });
});
