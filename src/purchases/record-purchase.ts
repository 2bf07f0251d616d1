// Records one purchase from the retailer's order system: checked completely before anything is
// written, written in one transaction (purchase + lines + the customer's predictions version), and
// safe to retry with an idempotencyKey, also when two retries race; a different purchase under a
// used key is refused (retry-check.ts).
import type { Db } from "../db/client";
import { isUniqueViolation } from "../db/errors";
import { badInput, notFound } from "../graphql/errors";
import { parseId } from "../graphql/validation";
import {
  MAX_LINE_AMOUNT,
  MAX_LINE_QUANTITY,
  MIN_LINE_QUANTITY,
  type RecordPurchaseInput,
} from "./purchase.inputs";
import { type Purchase, toPurchase } from "./purchase.type";
import { differingFields, idempotencyKeyReused, type RequestedPurchase } from "./retry-check";

export interface RecordPurchaseResult {
  purchase: Purchase;
  /** False when an earlier purchase had the idempotencyKey: nothing was written. */
  created: boolean;
  /** When created: the customer's predictions version after this purchase (Customer.predictionsVersion). */
  predictionsVersion?: number;
}

/** How far ahead of the server's clock a purchase may be dated (time zones, skewed tills). */
const FUTURE_TOLERANCE_MS = 24 * 3_600_000;
const EARLIEST = new Date("2000-01-01T00:00:00Z");

/**
 * @example
 *   await recordPurchase(db, { customerExternalId: "42", items: [{ sku: "MILK-1", quantity: 2 }] });
 * @throws BAD_USER_INPUT, NOT_FOUND or IDEMPOTENCY_KEY_REUSED GraphQL errors; nothing is written then.
 */
export async function recordPurchase(
  db: Db,
  input: RecordPurchaseInput,
  now = new Date(),
): Promise<RecordPurchaseResult> {
  const purchasedAt = checkDate(input.purchasedAt ?? now, now);
  const lines = input.items.map((line, i) => checkLine(line, i));
  const customerId = await resolveCustomer(db, input);
  const productIds = await resolveProducts(db, lines);
  const items = mergeLines(lines.map((line) => ({ ...line, productId: productIds(line) })));
  const requested: RequestedPurchase = {
    customerId,
    purchasedAt: input.purchasedAt ?? undefined,
    storeId: input.storeId ?? null,
    items,
  };
  const key = input.idempotencyKey;
  if (key) {
    const earlier = await findByKey(db, key);
    if (earlier) return retried(earlier, key, requested);
  }

  try {
    // The version moves in the purchase's own transaction: no reader can see the purchase and still
    // be sent to a cache entry made before it.
    const [purchase, customer] = await db.$transaction([
      db.purchase.create({
        data: {
          customerId,
          purchasedAt,
          storeId: requested.storeId,
          total: cents(items.reduce((sum, item) => sum + item.amount, 0)),
          idempotencyKey: key ?? null,
          items: {
            createMany: {
              data: items.map(({ productId, quantity, amount }) => ({ productId, quantity, amount })),
            },
          },
        },
      }),
      db.customer.update({
        where: { id: customerId },
        data: { predictionsVersion: { increment: 1 } },
        select: { predictionsVersion: true },
      }),
    ]);
    return { purchase: toPurchase(purchase), created: true, predictionsVersion: customer.predictionsVersion };
  } catch (error) {
    // A concurrent request with the same key won the race: a retry gets its purchase.
    if (key && isUniqueViolation(error)) {
      const winner = await findByKey(db, key);
      if (winner) return retried(winner, key, requested);
    }
    throw error;
  }
}

// ---- private helpers ----

function findByKey(db: Db, idempotencyKey: string) {
  return db.purchase.findUnique({
    where: { idempotencyKey },
    include: { items: { select: { productId: true, quantity: true, amount: true } } },
  });
}

/** The first purchase for a retry; IDEMPOTENCY_KEY_REUSED for a different request. */
function retried(
  earlier: NonNullable<Awaited<ReturnType<typeof findByKey>>>,
  key: string,
  requested: RequestedPurchase,
): RecordPurchaseResult {
  const fields = differingFields(earlier, requested);
  if (fields.length) throw idempotencyKeyReused(key, fields);
  const { items: _, ...purchase } = earlier;
  return { purchase: toPurchase(purchase), created: false };
}

interface Line {
  index: number;
  productId?: number;
  sku?: string;
  quantity: number;
  amount: number;
}

function checkDate(date: Date, now: Date): Date {
  if (date.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) {
    throw badInput(`purchasedAt: expected a time no later than a day from now, got ${date.toISOString()}`);
  }
  if (date < EARLIEST)
    throw badInput(`purchasedAt: expected a time after 2000-01-01, got ${date.toISOString()}`);
  return date;
}

function checkLine(line: RecordPurchaseInput["items"][number], index: number): Line {
  const hasId = line.productId != null;
  const hasSku = line.sku != null;
  if (hasId === hasSku) {
    throw badInput(
      `items[${index}]: expected exactly one of productId or sku, got ${hasId ? "both" : "neither"}`,
    );
  }
  // class-validator checks this already; here too so that no caller can get round it.
  if (!(line.quantity >= MIN_LINE_QUANTITY && line.quantity <= MAX_LINE_QUANTITY)) {
    throw badInput(
      `items[${index}].quantity: expected a number from ${MIN_LINE_QUANTITY} to ${MAX_LINE_QUANTITY}, got ${line.quantity}`,
    );
  }
  return {
    index,
    ...(hasId ? { productId: parseId(line.productId!, `items[${index}].productId`) } : { sku: line.sku! }),
    quantity: line.quantity,
    amount: line.amount ?? 0,
  };
}

async function resolveCustomer(db: Db, input: RecordPurchaseInput): Promise<number> {
  const hasId = input.customerId != null;
  if (hasId === (input.customerExternalId != null)) {
    throw badInput(
      `expected exactly one of customerId or customerExternalId, got ${hasId ? "both" : "neither"}`,
    );
  }
  const customer = hasId
    ? await db.customer.findUnique({
        where: { id: parseId(input.customerId!, "customerId") },
        select: { id: true },
      })
    : await db.customer.findUnique({
        where: { externalId: input.customerExternalId! },
        select: { id: true },
      });
  if (!customer) {
    throw notFound(
      hasId
        ? `No customer with id ${input.customerId}`
        : `No customer with externalId ${JSON.stringify(input.customerExternalId)}`,
    );
  }
  return customer.id;
}

/** Resolves every line's product in two queries at most; NOT_FOUND names the missing ones. */
async function resolveProducts(db: Db, lines: Line[]): Promise<(line: Line) => number> {
  const ids = [...new Set(lines.flatMap((l) => (l.productId ? [l.productId] : [])))];
  const skus = [...new Set(lines.flatMap((l) => (l.sku ? [l.sku] : [])))];
  const [byId, bySku] = await Promise.all([
    ids.length ? db.product.findMany({ where: { id: { in: ids } }, select: { id: true } }) : [],
    skus.length ? db.product.findMany({ where: { sku: { in: skus } }, select: { id: true, sku: true } }) : [],
  ]);
  const knownIds = new Set(byId.map((p) => p.id));
  const idOfSku = new Map(bySku.map((p) => [p.sku, p.id]));
  const missing = [
    ...ids.filter((id) => !knownIds.has(id)).map((id) => `id ${id}`),
    ...skus.filter((sku) => !idOfSku.has(sku)).map((sku) => `sku ${JSON.stringify(sku)}`),
  ];
  if (missing.length) {
    const shown = missing.slice(0, 5).join(", ");
    throw notFound(
      `Unknown product${missing.length > 1 ? "s" : ""}: ${shown}${missing.length > 5 ? ", …" : ""}`,
    );
  }
  return (line) => line.productId ?? idOfSku.get(line.sku!)!;
}

/**
 * One line per product (quantities and amounts summed), as the data model requires. The merged line
 * obeys the per-line limits: 200 lines of 100,000 units of one product are one line of 20,000,000.
 */
function mergeLines(lines: Array<Line & { productId: number }>) {
  const byProduct = new Map<number, { productId: number; quantity: number; amount: number; lines: number }>();
  for (const { productId, quantity, amount } of lines) {
    const into = byProduct.get(productId);
    if (into) {
      into.quantity += quantity;
      into.amount = cents(into.amount + amount);
      into.lines++;
    } else byProduct.set(productId, { productId, quantity, amount: cents(amount), lines: 1 });
  }
  for (const { productId, quantity, amount, lines } of byProduct.values()) {
    const over =
      quantity > MAX_LINE_QUANTITY
        ? `${MAX_LINE_QUANTITY} units per line, got ${quantity}`
        : amount > MAX_LINE_AMOUNT
          ? `an amount of ${MAX_LINE_AMOUNT} per line, got ${amount}`
          : undefined;
    if (over) {
      throw badInput(
        `items: product ${productId}: expected at most ${over} in its ${lines} lines (lines of one product are merged into one)`,
      );
    }
  }
  return [...byProduct.values()].map(({ productId, quantity, amount }) => ({ productId, quantity, amount }));
}

function cents(value: number): number {
  return Math.round(value * 100) / 100;
}
