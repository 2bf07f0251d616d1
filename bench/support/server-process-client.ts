// The parent's side of bench/support/server-process.ts: forks the API server into a process of its
// own (npm start's node flags, plus --expose-gc) on a database, waits until it listens, and asks it
// for its memory; the phases that must measure the server alone use it (rss, heavy queries).
import { fork } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { nodeFlagsOfScript } from "./npm-script";
import type { ChildMessage, ParentMessage } from "./server-process";
import type { Cleanups } from "./serving-harness";

const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 30_000;

export interface ServerProcess {
  pid: number;
  url: string;
  headers: Record<string, string>;
  /** The server's memory (MiB); with `gc`, heapUsed is measured after two full collections. */
  memory(gc: boolean): Promise<{ rss: number; heapUsed: number }>;
  /** Stops it, removing these customers' entries from a shared cache; kills it if it does not exit. */
  stop(customerIds: readonly number[]): Promise<void>;
}

export async function startServerProcess(options: {
  databaseUrl: string;
  cleanups: Cleanups;
}): Promise<ServerProcess> {
  const script = path.join(__dirname, "server-process.js");
  if (!fs.existsSync(script))
    throw new Error(`server process: ${script} is missing: run the bench from its build (npm run bench)`);
  const child = fork(script, [], {
    env: { ...process.env, BENCH_DATABASE_URL: options.databaseUrl },
    // npm start's heap limit, so the server runs as users run it; and always --expose-gc: the heap
    // after a full collection is the leak indicator, whatever the bench itself runs with.
    execArgv: ["--expose-gc", ...nodeFlagsOfScript("start")],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  options.cleanups.push(async () => {
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
    const error = new Error(`server process: the server's process exited (${signal ?? `code ${code}`})`);
    for (const w of waiting.values()) w.reject(error);
    waiting.clear();
  });
  const ready = await new Promise<{ url: string; headers: Record<string, string> }>((resolve, reject) => {
    const timeout = setTimeout(() => {
      reject(
        new Error(`server process: the server's process did not start within ${START_TIMEOUT_MS / 1_000} s`),
      );
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
        settle(() => reject(new Error(`server process: the server's process: ${message.message}`)));
    };
    const onExit = (code: number | null) =>
      settle(() =>
        reject(new Error(`server process: the server's process exited before it was ready (code ${code})`)),
      );
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
      if (stopped) return Promise.reject(new Error("server process: the server's process was stopped"));
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
