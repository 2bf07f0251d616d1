import { loadConfig } from "../../src/config";
import { writeOnlyCacheConfig } from "../../src/predictions/runtime";

describe("writeOnlyCacheConfig (the refresh CLI, the Lambda handler)", () => {
  it("keeps Redis, which the API replicas read, but holds no near cache nobody would read", () => {
    const config = loadConfig({
      REDIS_URL: "redis://127.0.0.1:6379",
      CACHE_NEAR_MAX_ENTRIES: "500",
    }).predictions;
    const written = writeOnlyCacheConfig(config);
    expect(written.redisUrl).toBe("redis://127.0.0.1:6379");
    expect(written.cacheNearMaxEntries).toBe(0);
    expect(written.cacheMaxEntries).toBe(config.cacheMaxEntries);
  });

  it("without Redis, keeps a single in-memory entry", () => {
    const config = loadConfig({}).predictions;
    const written = writeOnlyCacheConfig(config);
    expect(written.redisUrl).toBeUndefined();
    expect(written.cacheMaxEntries).toBe(1);
  });
});
