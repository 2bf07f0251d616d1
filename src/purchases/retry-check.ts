// A request that reuses an idempotencyKey must repeat the first one: then it is a retry and gets the
// first purchase back. Anything else is a different purchase under a key already used: refused with
// IDEMPOTENCY_KEY_REUSED, naming the fields that differ and nothing of what is stored, so that a key
// never lets a client read a purchase it did not send, and a new order is never silently dropped.
import { GraphQLError } from "graphql";
import { ErrorCode } from "../graphql/errors";

/** What a purchase request asks to record, with its customer and products resolved to ids. */
export interface RequestedPurchase {
  customerId: number;
  /** Undefined when the request left it out ("now": a retry's now is never the first one's). */
  purchasedAt: Date | undefined;
  storeId: string | null;
  /** One line per product (merged), amounts in cents. */
  items: ReadonlyArray<{ productId: number; quantity: number; amount: number }>;
}

/** A stored purchase as the check needs it. */
export interface StoredPurchase {
  customerId: number;
  purchasedAt: Date;
  storeId: string | null;
  items: ReadonlyArray<{ productId: number; quantity: number; amount: { toNumber(): number } }>;
}

/**
 * The request's fields that differ from the stored purchase, in the input's terms; empty for a retry.
 *
 * @example differingFields(stored, { ...sameRequest, customerId: 7 }) // ["customer"]
 */
export function differingFields(stored: StoredPurchase, request: RequestedPurchase): string[] {
  const fields: string[] = [];
  if (stored.customerId !== request.customerId) fields.push("customer");
  if (request.purchasedAt && request.purchasedAt.getTime() !== stored.purchasedAt.getTime()) {
    fields.push("purchasedAt");
  }
  if (stored.storeId !== request.storeId) fields.push("storeId");
  const lines = (items: RequestedPurchase["items"]) =>
    JSON.stringify(
      [...items].sort((a, b) => a.productId - b.productId).map((i) => [i.productId, i.quantity, i.amount]),
    );
  const storedItems = stored.items.map((i) => ({ ...i, amount: i.amount.toNumber() }));
  if (lines(storedItems) !== lines(request.items)) fields.push("items");
  return fields;
}

/** The refusal of a different purchase under a used key. */
export function idempotencyKeyReused(key: string, fields: readonly string[]): GraphQLError {
  return new GraphQLError(
    `idempotencyKey ${JSON.stringify(key)} was already used for another purchase: expected a retry to repeat ` +
      `the first request, got a different ${fields.join(", ")}. Nothing was recorded; send a new order with a new key.`,
    { extensions: { code: ErrorCode.IdempotencyKeyReused, differingFields: fields } },
  );
}
