import type { RequestHandler } from "express";
import type { Db } from "../db/client";

/** GET /healthz: the process is up and serving HTTP. */
export const healthz: RequestHandler = (_req, res) => {
  res.json({ status: "ok" });
};

/** GET /readyz: the database answers within two seconds (503 otherwise). */
export function readyz(db: Db): RequestHandler {
  return async (req, res) => {
    try {
      await withTimeout(db.$queryRaw`SELECT 1`, 2_000);
      res.json({ status: "ready" });
    } catch (error) {
      req.log.warn({ err: error }, "readiness check failed");
      res.status(503).json({ status: "unavailable", reason: "database unreachable" });
    }
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
