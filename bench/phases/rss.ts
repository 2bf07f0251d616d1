// Phase "rss" (issue 7: memory stable over a 60 s warm run): the RSS of a server process of its own
// (bench/support/server-process.ts, on the same database and Redis), sampled every second during S
// seconds of warm load at C clients, after a warm-up that lets V8 grow its heaps to their working
// size. Runs once, not per repeat. In a process of its own because the bench's process also holds the
// seeded data, the naive reference, the limits' copy of the data and autocannon's worker thread, whose
// own garbage-collection sawtooth would be counted as the server's.
// The baseline is the median of the first 10 samples, not the first sample: RSS under this load is a
// garbage-collection sawtooth, and a single sample taken just after a collection put the baseline at
// its bottom (measured: start 452, then 402–452 MiB with nothing growing).
import { fork } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { nodeFlagsOfScript } from "../support/npm-script";
import type { ChildMessage, ParentMessage } from "../support/server-process";
import { graphql, loadTest, PAGE_QUERY, PAGE_SIZE, type PageData } from "../support/serving-harness";
import { median } from "../support/stats";
import type { ServingContext } from "./context";

/** Allowed drift from the baseline (issue 7: ± 10 %). */
export const RSS_TOLERANCE = 0.1;
const WARM_UP_S = 10;
/** Samples (seconds) the baseline and the end are each the median of. */
const WINDOW = 10;
const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 30_000;

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
  const server = await startServerProcess(ctx);
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

// ---- the server's process ----

interface ServerProcess {
  pid: number;
  url: string;
  headers: Record<string, string>;
  /** The server's memory (MiB); with `gc`, heapUsed is measured after two full collections. */
  memory(gc: boolean): Promise<{ rss: number; heapUsed: number }>;
  /** Stops it, removing these customers' entries from a shared cache; kills it if it does not exit. */
  stop(customerIds: readonly number[]): Promise<void>;
}

async function startServerProcess(ctx: ServingContext): Promise<ServerProcess> {
  const script = path.join(__dirname, "../support/server-process.js");
  if (!fs.existsSync(script))
    throw new Error(`rss: ${script} is missing: run the bench from its build (npm run bench)`);
  const child = fork(script, [], {
    env: { ...process.env, BENCH_DATABASE_URL: ctx.target.url },
    // npm start's heap limit, so the server runs as users run it; and always --expose-gc: the heap
    // after a full collection is the leak indicator, whatever the bench itself runs with.
    execArgv: ["--expose-gc", ...nodeFlagsOfScript("start")],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  ctx.cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
  });
  const waiting = new Map<
    number,
    {
      resolve: (m: { rss: number; heapUsed: number }) => void;
      reject: (e: Error) => void;
    }
  >();
  let nextId = 1;
  let stopped = false;
  child.on("message", (message: ChildMessage) => {
    if (message.type !== "memory") return;
    waiting.get(message.id)?.resolve(message);
    waiting.delete(message.id);
  });
  child.once("exit", (code, signal) => {
    const error = new Error(`rss: the server's process exited (${signal ?? `code ${code}`})`);
    for (const w of waiting.values()) w.reject(error);
    waiting.clear();
  });
  const ready = await new Promise<{ url: string; headers: Record<string, string> }>((resolve, reject) => {
    const timeout = setTimeout(() => {
      reject(new Error(`rss: the server's process did not start within ${START_TIMEOUT_MS / 1_000} s`));
    }, START_TIMEOUT_MS);
    const settle = (done: () => void) => {
      clearTimeout(timeout);
      child.off("message", onMessage);
      child.off("exit", onExit);
      done();
    };
    const onMessage = (message: ChildMessage) => {
      if (message.type === "ready") settle(() => resolve(message));
      if (message.type === "failed")
        settle(() => reject(new Error(`rss: the server's process: ${message.message}`)));
    };
    const onExit = (code: number | null) =>
      settle(() => reject(new Error(`rss: the server's process exited before it was ready (code ${code})`)));
    child.on("message", onMessage);
    child.once("exit", onExit);
  }).catch(async (error: unknown) => {
    child.kill("SIGKILL");
    await exited;
    throw error;
  });
  return {
    pid: child.pid ?? 0,
    url: ready.url,
    headers: ready.headers,
    memory(gc) {
      if (stopped) return Promise.reject(new Error("rss: the server's process was stopped"));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        child.send({ type: "memory", id, gc } satisfies ParentMessage);
      });
    },
    async stop(customerIds) {
      if (stopped) return;
      stopped = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send({ type: "stop", customerIds: [...customerIds] } satisfies ParentMessage);
      const timeout = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timeout);
    },
  };
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
