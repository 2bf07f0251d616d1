// Phase "rss" (issue 7: memory stable over a 60 s warm run): the server's process RSS sampled every
// second during S seconds of warm load at C clients, after a warm-up that lets V8 grow its heaps to
// their working size. Runs once, not per repeat. The server runs in this process, so the RSS includes
// the bench itself and autocannon's worker thread.
// The baseline is the median of the first 10 samples, not the first sample: RSS under this load is a
// garbage-collection sawtooth of about ± 10 %, and a single sample taken just after a collection put
// the baseline at its bottom (measured: start 452, then 402–452 MiB with nothing growing).
import { loadTest, settle } from "../support/serving-harness";
import { MiB, median } from "../support/stats";
import type { ServingContext } from "./context";

/** Allowed drift from the baseline (issue 7: ± 10 %). */
export const RSS_TOLERANCE = 0.1;
const WARM_UP_S = 10;
/** Samples (seconds) the baseline and the end are each the median of. */
const WINDOW = 10;

export interface RssStability {
  seconds: number;
  samples: number;
  requests: number;
  failed: number;
  /** MiB: the median of the first WINDOW samples (the baseline). */
  start: number;
  /** MiB: the lowest and highest single samples. */
  min: number;
  max: number;
  /** MiB: the median of the last WINDOW samples. */
  end: number;
  /**
   * MiB: V8's heap in use after a full collection, halfway through the warm-up and 3 s before the
   * load ends, both under load (the leak indicator RSS is too noisy to be); absent unless node runs
   * with --expose-gc.
   */
  heapAfterGc?: { start: number; end: number };
  withinTolerance: boolean;
}

export async function rssStability(ctx: ServingContext): Promise<RssStability> {
  const { api, options, progress } = ctx;
  const load = (duration: number) =>
    loadTest({
      url: api.url,
      headers: api.headers,
      connections: options.connections,
      duration,
      bodies: ctx.bodies,
    });
  await ctx.clearCache();
  await ctx.warmRotation();
  progress(`rss: ${WARM_UP_S} s warm-up, then ${options.rssSeconds} s of warm load, RSS every second …`);
  // One load for warm-up and measurement: a second autocannon worker starting after the baseline
  // sample would be counted as growth.
  const samples: number[] = [];
  let elapsed = 0;
  // Both heap measurements are taken under load, so that each sees the same number of requests in
  // flight, and outside the RSS samples, because a forced full collection lowers RSS for a while:
  // the first halfway through the warm-up, the last 3 s before the load ends (placed by the clock,
  // since ticks run late under load), after which no RSS sample is taken.
  let heapAtStart: number | undefined;
  let heapAtEnd: number | undefined;
  const lastHeapAt = performance.now() + (WARM_UP_S + options.rssSeconds - 3) * 1_000;
  const timer = setInterval(() => {
    if (heapAtEnd !== undefined) return;
    elapsed++;
    if (elapsed === WARM_UP_S / 2) heapAtStart = heapAfterFullGc();
    if (elapsed > WARM_UP_S && performance.now() >= lastHeapAt) heapAtEnd = heapAfterFullGc();
    else if (elapsed >= WARM_UP_S) samples.push(process.memoryUsage.rss() / MiB);
  }, 1_000);
  let result: Awaited<ReturnType<typeof loadTest>>;
  try {
    result = await load(WARM_UP_S + options.rssSeconds);
  } finally {
    clearInterval(timer);
  }
  await settle(() => ctx.sql.statements);
  if (!samples.length) throw new Error("rss: no sample was taken (the event loop never got to the timer)");
  const start = median(samples.slice(0, WINDOW));
  const min = Math.min(...samples);
  const max = Math.max(...samples);
  return {
    seconds: options.rssSeconds,
    samples: samples.length,
    requests: result.requests,
    failed: result.failed,
    start,
    min,
    max,
    end: median(samples.slice(-WINDOW)),
    ...(heapAtStart !== undefined && heapAtEnd !== undefined
      ? { heapAfterGc: { start: heapAtStart, end: heapAtEnd } }
      : {}),
    withinTolerance: max <= start * (1 + RSS_TOLERANCE) && min >= start * (1 - RSS_TOLERANCE),
  };
}

/** heapUsed (MiB) after two full collections, or undefined without --expose-gc (npm run bench sets it). */
function heapAfterFullGc(): number | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return undefined;
  gc();
  gc(); // the second one frees what the first one's finalizers released
  return process.memoryUsage().heapUsed / MiB;
}
