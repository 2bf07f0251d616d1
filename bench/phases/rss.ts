// Phase "rss" (issue 7: memory stable over a 60 s warm run): the RSS of a server process of its own
// (bench/support/server-process.ts, on the same database and Redis), sampled every second during S
// seconds of warm load at C clients, after a warm-up that lets V8 grow its heaps to their working
// size. Runs once, not per repeat. In a process of its own because the bench's process also holds the
// seeded data, the naive reference, the limits' copy of the data and autocannon's worker thread, whose
// own garbage-collection sawtooth would be counted as the server's.
// The baseline is the median of the first 10 samples, not the first sample: RSS under this load is a
// garbage-collection sawtooth, and a single sample taken just after a collection put the baseline at
// its bottom (measured: start 452, then 402–452 MiB with nothing growing).
import { type ServerProcess, startServerProcess } from "../support/server-process-client";
import { graphql, loadTest, PAGE_QUERY, PAGE_SIZE, type PageData } from "../support/serving-harness";
import { median } from "../support/stats";
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
   * load ends, both under load (the leak indicator RSS is too noisy to be).
   */
  heapAfterGc?: { start: number; end: number };
  withinTolerance: boolean;
}

export async function rssStability(ctx: ServingContext): Promise<RssStability> {
  const { options, progress } = ctx;
  const server = await startServerProcess({ databaseUrl: ctx.target.url, cleanups: ctx.cleanups });
  try {
    await warm(server, ctx);
    progress(
      `rss: server in process ${server.pid}; ${WARM_UP_S} s warm-up, then ${options.rssSeconds} s of warm load, its RSS every second …`,
    );
    // One load for warm-up and measurement: a second autocannon worker starting after the baseline
    // sample would be counted as growth.
    const samples: number[] = [];
    // Both heap measurements are taken under load, so that each sees the same number of requests in
    // flight, and outside the RSS samples, because a forced full collection lowers RSS for a while:
    // the first halfway through the warm-up, the last 3 s before the load ends, after which no RSS
    // sample is taken. Placed by the clock, since timers run late under load.
    let heapAtStart: number | undefined;
    let heapAtEnd: number | undefined;
    let done = false;
    let pending: Promise<void> | undefined;
    const started = performance.now();
    const after = (seconds: number) => performance.now() >= started + seconds * 1_000;
    const sample = async () => {
      if (heapAtStart === undefined && after(WARM_UP_S / 2) && !after(WARM_UP_S)) {
        heapAtStart = (await server.memory(true)).heapUsed;
      } else if (after(WARM_UP_S + options.rssSeconds - 3)) {
        done = true;
        heapAtEnd = (await server.memory(true)).heapUsed;
      } else if (after(WARM_UP_S)) {
        samples.push((await server.memory(false)).rss);
      }
    };
    let sampleError: unknown;
    const timer = setInterval(() => {
      if (done || pending) return;
      pending = sample()
        .catch((error: unknown) => {
          sampleError ??= error;
        })
        .finally(() => {
          pending = undefined;
        });
    }, 1_000);
    let result: Awaited<ReturnType<typeof loadTest>>;
    try {
      result = await loadTest({
        url: server.url,
        headers: server.headers,
        connections: options.connections,
        duration: WARM_UP_S + options.rssSeconds,
        bodies: ctx.bodies,
      });
    } finally {
      clearInterval(timer);
      await pending;
    }
    if (sampleError) throw sampleError;
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
  } finally {
    await server.stop(ctx.rotation.flatMap((p) => p.customerIds));
  }
}

/** Asks for every rotation page once through the server's process, then checks the first is cached. */
async function warm(server: ServerProcess, ctx: ServingContext): Promise<void> {
  for (const page of ctx.rotation) {
    const data = await graphql<PageData>(server.url, server.headers, PAGE_QUERY, {
      first: PAGE_SIZE,
      after: page.after,
    });
    // The report's page size, when no other phase measured it (--only rss).
    ctx.response.bytes ||= JSON.stringify({ data }).length;
    ctx.response.predictions ||= data.customers.edges.reduce((n, e) => n + e.node.predictions.length, 0);
  }
  const first = ctx.rotation[0];
  if (!first) throw new Error("rss: there is no page to ask for");
  const data = await graphql<{
    customers: { edges: Array<{ node: { predictions: Array<{ cached: boolean }> } }> };
  }>(
    server.url,
    server.headers,
    "query Cached($first: Int!, $after: String) { customers(first: $first, after: $after) { edges { node { predictions { cached } } } } }",
    { first: PAGE_SIZE, after: first.after },
  );
  const predictions = data.customers.edges.flatMap((e) => e.node.predictions);
  if (!predictions.length || predictions.some((p) => !p.cached)) {
    throw new Error("rss: the server's process did not cache the pages it was asked for");
  }
}
