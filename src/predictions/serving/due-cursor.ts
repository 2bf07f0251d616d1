// customersDue's cursors: the last row's sort key (probability, nextPurchaseAt, customer id), opaque
// to clients. The probability travels as the 8 bytes of its double, so the next page starts exactly
// after the row the database ranked, never a rounding away from it.
import { badInput } from "../../graphql/errors";
import { MAX_ID } from "../../graphql/validation";
import type { DueCursor } from "../store/customers-due";

const PREFIX = "due2";

/** The last instant both databases store and write alike (a stored date never comes near it). */
const LAST_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** @example encodeDueCursor({ probability: 0.5, nextPurchaseAt, customerId: 42 }) // "ZHVlMjozZmUw…" */
export function encodeDueCursor({ probability, nextPurchaseAt, customerId }: DueCursor): string {
  const bytes = Buffer.alloc(8);
  bytes.writeDoubleBE(probability);
  return Buffer.from(`${PREFIX}:${bytes.toString("hex")}:${nextPurchaseAt.getTime()}:${customerId}`).toString(
    "base64url",
  );
}

/**
 * The sort key a cursor of encodeDueCursor carries.
 *
 * @throws BAD_USER_INPUT for anything else (another query's cursor, an older format, a made-up one).
 */
export function decodeDueCursor(cursor: string): DueCursor {
  const match = /^due2:([0-9a-f]{16}):(\d{1,15}):(\d{1,10})$/.exec(
    Buffer.from(cursor, "base64url").toString("utf8"),
  );
  const probability = match ? Buffer.from(match[1]!, "hex").readDoubleBE() : Number.NaN;
  const nextPurchaseAt = new Date(Number(match?.[2]));
  const customerId = Number(match?.[3]);
  if (
    !(probability >= 0 && probability <= 1) ||
    !(nextPurchaseAt.getTime() <= LAST_TIME) ||
    customerId > MAX_ID
  ) {
    throw badInput(
      `after: expected a cursor returned by customersDue (an endCursor), got ${JSON.stringify(cursor.slice(0, 40))}`,
    );
  }
  return { probability, nextPurchaseAt, customerId };
}
