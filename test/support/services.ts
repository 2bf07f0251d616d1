// Runs the service's processes the way a deployment does: `node dist/src/cli/<command>.js` from the
// build (compiled first if the sources changed; test files running in parallel take turns), or from
// the sources through ts-node where no build is wanted, each its own process with its own
// environment, JSON logs on stderr read line by line.
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { projectRoot } from "../../src/project-root";

/** Compiles src/ into dist/ (tsc's incremental build: seconds when little changed). */
export function buildServer(): void {
  const lock = path.join(projectRoot(), "dist", ".test-build-lock");
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      // Another test file builds: wait for it (a lock older than the deadline was left by a crash).
      if (Date.now() > deadline || Date.now() - fs.statSync(lock).mtimeMs > 300_000) {
        fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      spawnSync("sleep", ["0.5"]);
    }
  }
  try {
    const tsc = path.join(projectRoot(), "node_modules", "typescript", "bin", "tsc");
    const run = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], {
      cwd: projectRoot(),
      encoding: "utf8",
    });
    if (run.status !== 0) throw new Error(`the build failed:\n${run.stdout}\n${run.stderr}`);
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

export interface Service {
  child: ChildProcessWithoutNullStreams;
  /** Resolves with the first logged JSON line matching, waiting for it (rejects if the process exits first). */
  waitForLog(matches: (line: LogLine) => boolean, what?: string): Promise<LogLine>;
  /** Every JSON line logged so far. */
  logs(): LogLine[];
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

export type LogLine = Record<string, unknown> & { msg?: string };

/**
 * Starts `node dist/src/cli/<command>.js` (or, `from: "source"`, src/cli/<command>.ts through
 * ts-node) with the environment given (on top of this process's).
 */
export function startService(
  command: "start" | "worker" | "refresh",
  env: NodeJS.ProcessEnv,
  { from = "build" }: { from?: "build" | "source" } = {},
): Service {
  const args =
    from === "build"
      ? [path.join("dist", "src", "cli", `${command}.js`)]
      : ["-r", "ts-node/register", path.join("src", "cli", `${command}.ts`)];
  const child = spawn(process.execPath, args, {
    cwd: projectRoot(),
    env: { ...process.env, LOG_LEVEL: "info", TS_NODE_TRANSPILE_ONLY: "1", ...env },
  });
  let stderr = "";
  const lines: LogLine[] = [];
  const waiters: Array<{ matches: (line: LogLine) => boolean; resolve: (line: LogLine) => void }> = [];
  let partial = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk;
    partial += chunk;
    const complete = partial.split("\n");
    partial = complete.pop()!;
    for (const text of complete) {
      if (!text.startsWith("{")) continue;
      const line = JSON.parse(text) as LogLine;
      lines.push(line);
      for (const waiter of waiters.splice(0)) {
        if (waiter.matches(line)) waiter.resolve(line);
        else waiters.push(waiter);
      }
    }
  });
  child.stdout.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    exited,
    logs: () => lines,
    stderr: () => stderr,
    waitForLog(matches, what = "a log line") {
      const found = lines.find(matches);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        waiters.push({ matches, resolve });
        exited.then(({ code, signal }) =>
          reject(new Error(`${command} exited (${code ?? signal}) before ${what}:\n${stderr.slice(-3_000)}`)),
        );
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** The URL an API process logged it listens on (PORT=0). */
export async function listeningUrl(service: Service): Promise<string> {
  const line = await service.waitForLog((l) => l.msg === "listening", "listening");
  return String(line.url).replace(/\/graphql$/, "");
}

/** The metrics URL a worker logged once ready (WORKER_METRICS_PORT=0). */
export async function workerMetricsUrl(service: Service): Promise<string> {
  const line = await service.waitForLog((l) => l.msg === "worker ready", "worker ready");
  return String(line.metrics);
}
