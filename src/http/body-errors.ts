// Turns body-parser failures (oversized or malformed JSON) into GraphQL-shaped JSON errors with the
// right status, instead of express's HTML error page.
import type { ErrorRequestHandler } from "express";
import { ErrorCode } from "../graphql/errors";

export function bodyErrorHandler(limitDescription: string): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent) return next(error);
    const { type, status } = error as { type?: string; status?: number };
    if (type === "entity.too.large") {
      return sendError(
        res,
        413,
        ErrorCode.PayloadTooLarge,
        `Request body is larger than ${limitDescription}`,
      );
    }
    if (type === "entity.parse.failed") {
      return sendError(res, 400, ErrorCode.BadRequest, "Request body is not valid JSON");
    }
    if (status && status >= 400 && status < 500) {
      return sendError(res, status, ErrorCode.BadRequest, "The request could not be read");
    }
    req.log.error({ err: error }, "unexpected HTTP error");
    return sendError(res, 500, ErrorCode.InternalServerError, "Internal server error");
  };
}

/** Answers with one GraphQL-shaped error (what clients of /graphql can always parse). */
export function sendError(
  res: Parameters<ErrorRequestHandler>[2],
  status: number,
  code: string,
  message: string,
) {
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
}
