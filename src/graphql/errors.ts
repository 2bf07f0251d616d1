// The error vocabulary of the API. Every error a client can cause carries one of these stable
// extensions.code values and a message that says what was expected and what arrived; anything else
// is a bug, logged with the request id and (in production) shown only as "Internal server error".
import { unwrapResolverError } from "@apollo/server/errors";
import { GraphQLError, type GraphQLFormattedError } from "graphql";
import { isDatabaseUnavailable } from "../db/errors";

export const ErrorCode = {
  BadUserInput: "BAD_USER_INPUT",
  NotFound: "NOT_FOUND",
  Unauthenticated: "UNAUTHENTICATED",
  Forbidden: "FORBIDDEN",
  QueryTooComplex: "QUERY_TOO_COMPLEX",
  PayloadTooLarge: "PAYLOAD_TOO_LARGE",
  BadRequest: "BAD_REQUEST",
  /** The database is down, hung or locked, or the request ran past REQUEST_TIMEOUT_MS: HTTP 503, retry later. */
  ServiceUnavailable: "SERVICE_UNAVAILABLE",
  IdempotencyKeyReused: "IDEMPOTENCY_KEY_REUSED",
  InternalServerError: "INTERNAL_SERVER_ERROR",
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** A GraphQL error with a stable code and, optionally, the HTTP status it should answer with. */
export function apiError(code: ErrorCode, message: string, status?: number): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...(status ? { http: { status } } : {}) } });
}

export const badInput = (message: string) => apiError(ErrorCode.BadUserInput, message);
export const notFound = (message: string) => apiError(ErrorCode.NotFound, message);

/** Codes produced on purpose for clients; everything else is treated as unexpected. */
const CLIENT_CODES = new Set<string>([
  ...Object.values(ErrorCode).filter(
    (code) => code !== ErrorCode.InternalServerError && code !== ErrorCode.ServiceUnavailable,
  ),
  // Apollo's own codes for requests it rejects before our code runs.
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "OPERATION_RESOLUTION_FAILURE",
]);

/** Messages of client errors Apollo raises with no extensions.code, and the code they get here. */
const APOLLO_UNCODED: Record<string, string> = {
  "Unsupported persisted query version": "PERSISTED_QUERY_NOT_SUPPORTED",
  "provided sha does not match query": ErrorCode.BadRequest,
};

/** True for errors a client caused on purpose-built paths (bad input, auth, limits…). */
export function isClientError(formatted: Pick<GraphQLFormattedError, "extensions" | "message">): boolean {
  return CLIENT_CODES.has(String(formatted.extensions?.code ?? "")) || formatted.message in APOLLO_UNCODED;
}

/** What a client is told when the database failed it. */
export const DATABASE_UNAVAILABLE_MESSAGE =
  "The database is unavailable (down, not answering in time, or busy): nothing was answered from it; retry later.";

/**
 * Apollo's formatError: client errors pass as they are (never with a stack trace); a database that
 * is down, hung or locked becomes SERVICE_UNAVAILABLE; other unexpected errors (logged by the
 * request-logging plugin) keep their message only outside production.
 * `hideSuggestions` removes graphql-js's "Did you mean …?" hints, which reveal the schema, from every
 * message (Apollo's DisableSuggestions plugin covers validation errors only, not variables).
 */
export function createErrorFormatter({
  production,
  hideSuggestions = false,
}: {
  production: boolean;
  hideSuggestions?: boolean;
}) {
  const format = formatter(production);
  if (!hideSuggestions) return format;
  return (formatted: GraphQLFormattedError, error?: unknown): GraphQLFormattedError => {
    const result = format(formatted, error);
    return { ...result, message: result.message.replace(/ ?Did you mean(.+?)\?$/, "") };
  };
}

function formatter(production: boolean) {
  return (formatted: GraphQLFormattedError, error?: unknown): GraphQLFormattedError => {
    // graphql-js reports its parser's token limit as a syntax error ("more that 5000 tokens", sic);
    // for clients it is a size limit.
    const code = formatted.extensions?.code;
    const tokens = /^Syntax Error: Document contains more th(?:an|at) (\d+) tokens/.exec(formatted.message);
    if (code === "GRAPHQL_PARSE_FAILED" && tokens) {
      return {
        message: `Query too large: more than ${tokens[1]} tokens.`,
        extensions: { code: ErrorCode.QueryTooComplex },
      };
    }
    // graphql-js gives up checking fields that repeat too often to compare them all.
    if (code === "GRAPHQL_VALIDATION_FAILED" && formatted.message === "Validation aborted.") {
      return {
        message: "Query too complex to validate: it repeats the same fields too often.",
        extensions: { code: ErrorCode.QueryTooComplex },
      };
    }
    // Apollo refuses these persisted-query mistakes without a code of its own (it then defaults to
    // INTERNAL_SERVER_ERROR).
    const apolloCode = APOLLO_UNCODED[formatted.message];
    if (apolloCode && code === ErrorCode.InternalServerError) {
      return { message: formatted.message, extensions: { code: apolloCode } };
    }
    if (isClientError(formatted) || code === ErrorCode.ServiceUnavailable) return formatted;
    if (isDatabaseUnavailable(unwrapResolverError(error))) {
      return {
        message: DATABASE_UNAVAILABLE_MESSAGE,
        locations: formatted.locations,
        path: formatted.path,
        extensions: { code: ErrorCode.ServiceUnavailable },
      };
    }
    return {
      message: production ? "Internal server error" : withoutSourceDetails(formatted.message),
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: ErrorCode.InternalServerError },
    };
  };
}

/**
 * An unexpected error's message without what belongs in the log only: stack frames, source file
 * locations and code frames (Prisma quotes the calling source, with its path, in its messages).
 *
 * @example withoutSourceDetails("Invalid `db.x()` invocation in\n/app/src/a.ts:4:2\n→ 4 await db.x(\nBoom")
 *   // "Invalid `db.x()` invocation: Boom"
 */
export function withoutSourceDetails(message: string): string {
  return message
    .split("\n")
    .filter((line) => !/^\s+at\s|\S\.[cm]?[jt]sx?:\d+|^(?:\s+|\s*→\s*)\d+\s/.test(line))
    .map((line) => line.trim())
    .filter(Boolean)
    .join("\n")
    .replace(/ invocation in\n/, " invocation: ");
}
