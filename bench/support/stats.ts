// Summaries across repeated runs and memory readings, shared by the phases of `npm run bench`.
import net from "node:net";

export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (!sorted.length) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The runs' results with every number replaced by its median over the runs, field by field (arrays
 * element by element); anything else is the first run's. Each number is its own median, so a median
 * row can combine numbers from different runs: fine for a report, not for recomputing ratios.
 */
export function medianOf<T>(runs: readonly T[]): T {
  const first = runs[0];
  if (typeof first === "number") return median(runs as readonly number[]) as T;
  if (Array.isArray(first)) {
    return first.map((_, i) => medianOf(runs.map((r) => (r as unknown[])[i]))) as T;
  }
  if (first && typeof first === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(first)) {
      out[key] = medianOf(runs.map((r) => (r as Record<string, unknown>)[key]));
    }
    return out as T;
  }
  return first as T;
}

export const MiB = 2 ** 20;

/** The largest RSS of this process seen while `body` runs (sampled every `everyMs`), in MiB. */
export async function peakRssDuring<T>(body: () => Promise<T>, everyMs = 250): Promise<[T, number]> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, everyMs);
  try {
    const result = await body();
    return [result, Math.max(peak, process.memoryUsage.rss()) / MiB];
  } finally {
    clearInterval(timer);
  }
}

/** The Redis server's version, from INFO over a plain socket (the cache itself does not expose it). */
export function redisVersion(redisUrl: string): Promise<string> {
  const { hostname, port } = new URL(redisUrl);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || 6379) });
    let text = "";
    const done = (version: string) => {
      socket.destroy();
      resolve(version);
    };
    socket.setTimeout(2_000, () => done("?"));
    socket.on("error", () => done("?"));
    socket.on("connect", () => socket.write("INFO server\r\n"));
    socket.on("data", (chunk) => {
      text += chunk.toString("utf8");
      const match = /redis_version:([^\r\n]+)/.exec(text);
      if (match) done(match[1]!);
    });
  });
}
