// `npm run demo` end to end: a fresh SQLite file gets migrated, seeded and served, and the admin key
// it prints works.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { projectRoot } from "../../src/project-root";

describe("npm run demo", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cai-demo-"));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("seeds an empty database, serves the API on it and prints a working admin key", async () => {
    const child = spawn(process.execPath, ["-r", "ts-node/register", path.join("src", "cli", "demo.ts")], {
      cwd: projectRoot(),
      env: {
        ...process.env,
        TS_NODE_TRANSPILE_ONLY: "1",
        DATABASE_URL: `file:${path.join(dir, "demo.db")}`,
        PORT: "0",
        NODE_ENV: "development",
        ADMIN_API_KEYS: "",
        LOG_LEVEL: "warn",
      },
    });
    let stdout = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    try {
      const banner = await waitFor(
        () => /Admin API key for this run \(shown once\): (\S+)/.exec(stdout) && stdout,
      );
      const url = /GraphQL API: (\S+)/.exec(banner)![1]!;
      const adminKey = /shown once\): (\S+)/.exec(banner)![1]!;
      expect(banner).toMatch(/300 customers, \d+ products, \d+ purchases, \d+ purchase items/);

      const post = (query: string, key?: string) =>
        fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
          body: JSON.stringify({ query }),
        }).then((r) => r.json() as Promise<{ data?: Record<string, unknown>; errors?: unknown[] }>);

      const page = await post(
        "{ customers(first: 3) { edges { node { name purchases(last: 1) { total } } } } }",
      );
      expect(page.errors).toBeUndefined();
      expect(JSON.stringify(page.data)).toMatch(/"total":\d/);
      // The query the banner suggests serves real predictions on the generated data.
      const suggested = JSON.parse(/-d '(\{.*\})'/.exec(banner)![1]!) as { query: string };
      const predicted = await post(suggested.query);
      expect(predicted.errors).toBeUndefined();
      const nodes = (predicted.data as { customers: { edges: Array<{ node: { predictions: unknown[] } }> } })
        .customers.edges;
      expect(nodes.flatMap((edge) => edge.node.predictions).length).toBeGreaterThan(0);
      expect(JSON.stringify(predicted.data)).toMatch(/"reason":"buys about every/);
      const upsert =
        'mutation { upsertCustomer(input: { externalId: "demo-1", name: "Ana" }) { externalId } }';
      expect((await post(upsert)).errors).toBeDefined();
      expect((await post(upsert, adminKey)).data).toEqual({ upsertCustomer: { externalId: "demo-1" } });
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  }, 120_000);
});

async function waitFor<T>(probe: () => T | null | undefined | false, timeoutMs = 100_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting for the demo to start");
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
