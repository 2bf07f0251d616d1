// Every GraphQL request gets an answer within REQUEST_TIMEOUT_MS: when the work behind it is stuck
// (a database that accepts connections and never answers, a lock that is not released), the client
// gets 503 SERVICE_UNAVAILABLE at the deadline instead of waiting for as long as its socket lives.
// The work itself is not abandoned half-way: every database call has its own deadline (see
// openDatabase) and a transaction commits or rolls back whole, so a write that the 503 overtook may
// still commit (retry it with the same idempotencyKey).
import type { ErrorRequestHandler, RequestHandler } from "express";
import { ErrorCode } from "../graphql/errors";
import { sendError } from "./body-errors";

/** Set on res.locals once the deadline has answered for the request. */
const EXPIRED = "deadlineExpired";

/** Answers 503 SERVICE_UNAVAILABLE for a request still unanswered after `ms`. */
export function requestDeadline(ms: number): RequestHandler {
  return (req, res, next) => {
    const timer = setTimeout(() => {
      if (res.headersSent) return;
      res.locals[EXPIRED] = true;
      req.log.warn({ timeoutMs: ms }, "request deadline passed: answered 503");
      sendError(
        res,
        503,
        ErrorCode.ServiceUnavailable,
        `No answer within ${ms} ms (REQUEST_TIMEOUT_MS): the database or another service it needs is slow or unavailable; retry later.`,
      );
    }, ms);
    res.once("close", () => clearTimeout(timer));
    next();
  };
}

/**
 * Drops the answer that arrives after the deadline has answered (writing it fails: the headers are
 * sent); other errors go on to the next handler.
 */
export const dropLateAnswers: ErrorRequestHandler = (error, req, res, next) => {
  if (!res.locals[EXPIRED]) return next(error);
  req.log.info("late answer dropped: the deadline answered this request");
};
