// The error vocabulary of the API. Every error a client can cause carries one of these stable
// extensions.code values and a message that says what was expected and what arrived; anything else
// is a bug, logged with the request id and (in production) shown only as "Internal server error".
import { GraphQLError, type GraphQLFormattedError } from "graphql";

export const ErrorCode = {
  BadUserInput: "BAD_USER_INPUT",
  NotFound: "NOT_FOUND",
  Unauthenticated: "UNAUTHENTICATED",
  Forbidden: "FORBIDDEN",
  QueryTooComplex: "QUERY_TOO_COMPLEX",
  PayloadTooLarge: "PAYLOAD_TOO_LARGE",
  BadRequest: "BAD_REQUEST",
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
  ...Object.values(ErrorCode).filter((code) => code !== ErrorCode.InternalServerError),
  // Apollo's own codes for requests it rejects before our code runs.
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "OPERATION_RESOLUTION_FAILURE",
]);

/** True for errors a client caused on purpose-built paths (bad input, auth, limits…). */
export function isClientError(formatted: Pick<GraphQLFormattedError, "extensions">): boolean {
  return CLIENT_CODES.has(String(formatted.extensions?.code ?? ""));
}

/**
 * Apollo's formatError: client errors pass as they are (never with a stack trace); unexpected ones
 * (logged by the request-logging plugin) keep their message only outside production.
 */
export function createErrorFormatter({ production }: { production: boolean }) {
  return (formatted: GraphQLFormattedError): GraphQLFormattedError => {
    // graphql-js reports its parser's token limit as a syntax error; for clients it is a size limit.
    if (/more than \d+ tokens/.test(formatted.message)) {
      return { ...formatted, extensions: { ...formatted.extensions, code: ErrorCode.QueryTooComplex } };
    }
    if (isClientError(formatted)) return formatted;
    return {
      message: production ? "Internal server error" : formatted.message,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: ErrorCode.InternalServerError },
    };
  };
}
