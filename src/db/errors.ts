/**
 * True when a unique index rejected a write: P2002 from model queries, P2010 with a
 * UniqueConstraintViolation cause from raw ones (the driver adapters report it that way).
 */
export function isUniqueViolation(error: unknown): boolean {
  const { code, meta } = (error ?? {}) as {
    code?: string;
    meta?: { driverAdapterError?: { cause?: { kind?: string } } };
  };
  return (
    code === "P2002" ||
    (code === "P2010" && meta?.driverAdapterError?.cause?.kind === "UniqueConstraintViolation")
  );
}

/** Prisma's codes for a database it cannot reach or that does not answer in time. */
const UNAVAILABLE_PRISMA_CODES = new Set([
  "P1001", // can't reach the database server
  "P1002", // reached, but it timed out
  "P1008", // operations timed out (SQLite: SQLITE_BUSY after the busy timeout)
  "P1017", // the server closed the connection
  "P2024", // timed out fetching a connection from the pool
  "P2028", // a transaction could not start or finish in time
]);

/** The driver adapters' kinds for the same. */
const UNAVAILABLE_ADAPTER_KINDS = new Set([
  "DatabaseNotReachable",
  "ConnectionClosed",
  "SocketTimeout",
  "TooManyConnections",
]);

/**
 * PostgreSQL's SQLSTATEs for the same: query_canceled (statement_timeout), lock_not_available
 * (lock_timeout), the server shutting down or starting, and the whole connection_exception class.
 */
const UNAVAILABLE_SQLSTATE = /^(57014|55P03|57P0[1-3]|08...)$/;

/** Socket errors of a connection that could not be opened or was lost. */
const UNAVAILABLE_SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
]);

/**
 * node-postgres reports its own timeouts and lost connections as plain Errors, which the adapter
 * passes through unconverted.
 */
const UNAVAILABLE_PG_MESSAGES =
  /^(Connection terminated( unexpectedly| due to connection timeout)?|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error and is not queryable)$/;

/**
 * True when an error says the database is down, hung, overloaded or locked, rather than that the
 * request or the code is wrong: the caller should answer "unavailable, retry later". Follows `cause`.
 *
 * @example isDatabaseUnavailable(new Error("Query read timeout")) // true
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const { code, message, meta, cause } = current as {
      code?: unknown;
      message?: unknown;
      meta?: { driverAdapterError?: { cause?: { kind?: string; code?: string } } };
      cause?: unknown;
    };
    const adapter = meta?.driverAdapterError?.cause;
    if (
      typeof code === "string" &&
      (UNAVAILABLE_PRISMA_CODES.has(code) ||
        UNAVAILABLE_SOCKET_CODES.has(code) ||
        UNAVAILABLE_SQLSTATE.test(code))
    )
      return true;
    if (adapter?.kind && UNAVAILABLE_ADAPTER_KINDS.has(adapter.kind)) return true;
    if (adapter?.kind === "postgres" && UNAVAILABLE_SQLSTATE.test(adapter.code ?? "")) return true;
    if (typeof message === "string" && UNAVAILABLE_PG_MESSAGES.test(message)) return true;
    current = cause;
  }
  return false;
}
