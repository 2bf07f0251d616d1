// One access-log line per HTTP request (health probes and metrics scrapes aside), with a request id that is echoed in
// x-request-id. No headers and no query strings are logged: they can carry API keys and e-mails.
import { randomUUID } from "node:crypto";
import type express from "express";
import { pinoHttp } from "pino-http";
import { wasLogged } from "../graphql/request-logging";
import type { Logger } from "../logger";

export function accessLog(log: Logger) {
  return pinoHttp<express.Request, express.Response>({
    logger: log,
    genReqId: (req, res) => {
      const incoming = req.headers["x-request-id"];
      const id = typeof incoming === "string" && /^[\w.-]{1,64}$/.test(incoming) ? incoming : randomUUID();
      res.setHeader("x-request-id", id);
      return id;
    },
    // A GraphQL request that reached Apollo's pipeline
    // has its line from the request-logging plugin; one refused earlier (unreadable body, CSRF,
    // batching, a missing or wrong API key) gets this one, with the operation name if it has one.
    // Probes and Prometheus scrapes come every few seconds: they are not traffic worth a line.
    autoLogging: {
      ignore: (req) => req.url === "/healthz" || req.url === "/readyz" || req.url === "/metrics",
    },
    customLogLevel: (req, res, error) => {
      if (wasLogged(req.log)) return "silent";
      return error || res.statusCode >= 500 ? "error" : "info";
    },
    customSuccessMessage: (req) => (isGraphql(req) ? "graphql" : "request completed"),
    customErrorMessage: (req) => (isGraphql(req) ? "graphql" : "request failed"),
    customSuccessObject: (req, _res, line) => withOperation(req, line),
    customErrorObject: (req, _res, _error, line) => withOperation(req, line),
    // No headers (Authorization, cookies) and no query string (GET variables can carry e-mail
    // addresses). Not pino-http's `redact`: that would replace the logger's own redaction.
    serializers: {
      req: (req: { id: unknown; method: string; url: string }) => ({
        id: req.id,
        method: req.method,
        url: req.url.replace(/\?.*$/s, ""),
      }),
    },
  });
}

/** Adds the GraphQL operation name to pino-http's line for /graphql (from the body, when parsed). */
function withOperation(req: express.Request, line: object): object {
  if (!isGraphql(req)) return line;
  const body = req.body as { operationName?: unknown; query?: unknown } | undefined;
  const named =
    typeof body?.query === "string"
      ? /^\s*(?:query|mutation|subscription)\s+([_A-Za-z]\w*)/.exec(body.query.slice(0, 1_000))?.[1]
      : undefined;
  return {
    ...line,
    operation: typeof body?.operationName === "string" ? body.operationName : (named ?? null),
  };
}

function isGraphql(req: express.Request): boolean {
  return /^\/graphql(?:[/?]|$)/.test(req.originalUrl);
}
