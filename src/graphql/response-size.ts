// The last bound on one request's work: its answer's size. The cost limit (query-limits.ts) bounds
// what a query may ask for with list sizes as estimated; real data can be larger than the estimate
// (baskets of 200 lines where 15 are assumed) and long strings make fields larger. An answer over
// the limit is replaced by QUERY_TOO_COMPLEX (HTTP 400) before anything is sent.
import { apiError, ErrorCode } from "./errors";

/** The largest answer sent, in bytes of JSON. */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/**
 * Apollo's `stringifyResult`: JSON.stringify (as Apollo's own, with its trailing newline), refusing
 * an answer over `maxBytes`. Apollo answers what it throws as an error response, with its status.
 */
export function stringifyWithinLimit(maxBytes = MAX_RESPONSE_BYTES) {
  return (value: unknown): string => {
    const json = `${JSON.stringify(value)}\n`;
    // A UTF-16 unit is at most 3 bytes of UTF-8: most answers need no byte count at all.
    const bytes = json.length * 3 <= maxBytes ? json.length : Buffer.byteLength(json);
    if (bytes > maxBytes) {
      throw apiError(
        ErrorCode.QueryTooComplex,
        `Response too large: ${bytes} bytes, over the limit of ${maxBytes}: ask for smaller pages or fewer fields.`,
        400,
      );
    }
    return json;
  };
}
