// Runs once before all suites: decides whether the PostgreSQL, Redis and browser suites can run, and
// names the run (CAI_TEST_RUN: the Redis namespaces of its test files start with it). Workers inherit
// process.env, so they read the verdicts from CAI_TEST_POSTGRES_SKIP / CAI_TEST_REDIS_SKIP /
// CAI_TEST_BROWSER_SKIP.
import { randomBytes } from "node:crypto";
import net from "node:net";
import pg from "pg";
import { chromiumProblem } from "./browser";
import { postgresAdminUrl } from "./postgres";
import { redisTestUrl } from "./redis";

export default async function globalSetup(): Promise<void> {
  process.env.CAI_TEST_RUN ??= randomBytes(4).toString("hex");
  await checkPostgres();
  await checkRedis();
  checkChromium();
}

function checkChromium(): void {
  const problem = chromiumProblem();
  if (!problem) return;
  if (process.env.CI === "true") throw new Error(`${problem} (CI must run the browser suites)`);
  process.env.CAI_TEST_BROWSER_SKIP = problem;
  console.warn(`\n[skip] browser suites: ${problem}\n`);
}

async function checkPostgres(): Promise<void> {
  const client = new pg.Client({ connectionString: postgresAdminUrl(), connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (error) {
    const reason = `PostgreSQL unreachable at ${postgresAdminUrl()}: ${(error as Error).message}`;
    if (process.env.CI === "true") throw new Error(`${reason} (CI must run the PostgreSQL suites)`);
    process.env.CAI_TEST_POSTGRES_SKIP = reason;
    console.warn(`\n[skip] PostgreSQL suites: ${reason}\n`);
  } finally {
    await client.end().catch(() => {});
  }
}

async function checkRedis(): Promise<void> {
  const url = new URL(redisTestUrl());
  const reachable = await new Promise<string | undefined>((resolve) => {
    const socket = net.connect({ host: url.hostname, port: Number(url.port || 6379) });
    socket.setTimeout(3_000);
    socket.once("connect", () => {
      socket.write("PING\r\n");
    });
    socket.once("data", (data) => {
      socket.destroy();
      resolve(
        data.toString().startsWith("+PONG") ? undefined : `unexpected answer ${data.toString().trim()}`,
      );
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve("no answer within 3 s");
    });
    socket.once("error", (error) => resolve(error.message));
  });
  if (!reachable) return;
  const reason = `Redis unreachable at ${redisTestUrl()}: ${reachable}`;
  if (process.env.CI === "true") throw new Error(`${reason} (CI must run the Redis suites)`);
  process.env.CAI_TEST_REDIS_SKIP = reason;
  console.warn(`\n[skip] Redis suites: ${reason}\n`);
}
