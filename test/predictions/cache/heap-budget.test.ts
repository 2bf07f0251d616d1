import fs from "node:fs";
import path from "node:path";
import { loadConfig } from "../../../src/config";
import { cacheHeapWarning, HEAP_BYTES_PER_CACHED_CUSTOMER } from "../../../src/predictions/cache/heap-budget";

const MiB = 2 ** 20;

/** The --max-old-space-size `npm start` gives the server, in bytes. */
function startHeapLimit(): number {
  const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../../package.json"), "utf8")) as {
    scripts: Record<string, string>;
  };
  const flag = /--max-old-space-size=(\d+)/.exec(pkg.scripts.start ?? "");
  if (!flag) throw new Error(`npm start does not cap the heap: ${pkg.scripts.start}`);
  return Number(flag[1]) * MiB;
}

describe("cacheHeapWarning", () => {
  it("is quiet for the default in-memory cache and the default near cache under npm start's heap limit", () => {
    const limit = startHeapLimit();
    expect(cacheHeapWarning(loadConfig({}).predictions, limit)).toBeUndefined();
    expect(
      cacheHeapWarning(loadConfig({ REDIS_URL: "redis://127.0.0.1:6379" }).predictions, limit),
    ).toBeUndefined();
  });

  it("names the in-memory cache's variable and a heap limit that would fit it", () => {
    const config = loadConfig({ CACHE_MAX_ENTRIES: "100000" }).predictions;
    const warning = cacheHeapWarning(config, 1_024 * MiB);
    expect(warning).toContain("CACHE_MAX_ENTRIES=100000");
    // 100,000 × 22,000 bytes = 2,098.1 MiB
    expect(HEAP_BYTES_PER_CACHED_CUSTOMER).toBe(22_000);
    expect(warning).toContain("about 2,098 MiB of predictions");
    expect(warning).toContain("heap limit is 1,024 MiB");
    const needed = Number(/--max-old-space-size=(\d+)/.exec(warning ?? "")?.[1]);
    expect(cacheHeapWarning(config, needed * MiB)).toBeUndefined();
    expect(cacheHeapWarning(config, (needed - 1) * MiB)).toBeDefined();
  });

  it("with Redis, judges only the near cache, which is all a process keeps", () => {
    const config = loadConfig({
      REDIS_URL: "redis://127.0.0.1:6379",
      CACHE_MAX_ENTRIES: "10000000",
      CACHE_NEAR_MAX_ENTRIES: "60000",
    }).predictions;
    expect(cacheHeapWarning(config, 1_024 * MiB)).toMatch(/^CACHE_NEAR_MAX_ENTRIES=60000 /);
    expect(cacheHeapWarning({ ...config, cacheNearMaxEntries: 0 }, 1_024 * MiB)).toBeUndefined();
  });
});
