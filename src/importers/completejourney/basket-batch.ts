// Gathers transaction lines into purchases (one per basket) until the batch is written. Baskets are
// keyed by id, not by adjacency, so lines of one basket need not be consecutive within a batch; a
// basket that reappears after its batch was written is completed by writePurchaseBatch, provided its
// household, store and time agree with what was stored.
import type { CustomerRecord, PurchaseRecord } from "../../purchases/bulk-write";
import type { TransactionLine } from "./rows";
import { formatStoreTime } from "./store-time";

/** A line waiting for its product id, with the line number to report it by. */
interface PendingLine {
  line: number;
  sku: string;
  quantity: number;
  amount: number;
}

interface PendingBasket {
  first: TransactionLine;
  firstLine: number;
  lines: PendingLine[];
}

/** What every line of a basket must agree on; also what an already imported purchase holds. */
export interface BasketHeader {
  householdId: string;
  storeId: string | null;
  purchasedAt: Date;
}

/** What the database already knows, looked up once per batch. */
export interface KnownRecords {
  /** Product id by SKU. */
  productIds: ReadonlyMap<string, number>;
  /** Header of each basket of this batch that an earlier batch or import stored, by basket id. */
  storedBaskets: ReadonlyMap<string, BasketHeader>;
}

export interface BatchRecords {
  customers: CustomerRecord[];
  purchases: PurchaseRecord[];
}

/** The idempotency key of a basket: re-importing it finds the purchase already there. */
export function basketKey(basketId: string): string {
  return `completejourney:${basketId}`;
}

/**
 * Transaction lines of up to a batch's worth of baskets.
 *
 * @example
 *   const batch = new BasketBatch();
 *   batch.add(line, 2); // undefined: accepted
 *   const { customers, purchases } = batch.toRecords({ productIds, storedBaskets }, reject);
 */
export class BasketBatch {
  private readonly baskets = new Map<string, PendingBasket>();
  private lines = 0;

  /** Baskets in the batch. */
  get basketCount(): number {
    return this.baskets.size;
  }

  /** Lines in the batch. */
  get lineCount(): number {
    return this.lines;
  }

  has(basketId: string): boolean {
    return this.baskets.has(basketId);
  }

  /**
   * Adds a line to its basket. Returns why the line is rejected when it contradicts the basket's
   * first line in this batch (another household, store or time), otherwise undefined.
   */
  add(line: TransactionLine, lineNumber: number): string | undefined {
    const item = { line: lineNumber, sku: line.sku, quantity: line.quantity, amount: line.amount };
    const basket = this.baskets.get(line.basketId);
    if (!basket) {
      this.baskets.set(line.basketId, { first: line, firstLine: lineNumber, lines: [item] });
    } else {
      const conflict = conflictWith(basket.first, line, `on line ${basket.firstLine}`);
      if (conflict) return conflict;
      basket.lines.push(item);
    }
    this.lines++;
    return undefined;
  }

  basketIds(): string[] {
    return [...this.baskets.keys()];
  }

  /** Every SKU the batch's lines name. */
  skus(): Set<string> {
    const skus = new Set<string>();
    for (const basket of this.baskets.values()) for (const item of basket.lines) skus.add(item.sku);
    return skus;
  }

  /**
   * The batch as records for writePurchaseBatch. Lines go to `onRejected` instead when their SKU has
   * no product, or when their basket was stored before with another household, store or time; a
   * basket left with no line yields no purchase (and no customer).
   */
  toRecords(
    { productIds, storedBaskets }: KnownRecords,
    onRejected: (line: number, reason: string) => void,
  ): BatchRecords {
    const customers = new Map<string, CustomerRecord>();
    const purchases: PurchaseRecord[] = [];
    for (const [basketId, { first, lines }] of this.baskets) {
      const stored = storedBaskets.get(basketId);
      const conflict = stored && conflictWith(stored, first, "in the database");
      const items = [];
      for (const { line, sku, quantity, amount } of lines) {
        const productId = productIds.get(sku);
        if (conflict) onRejected(line, conflict);
        else if (productId === undefined) onRejected(line, `product ${sku} is not in products.csv`);
        else items.push({ productId, quantity, amount });
      }
      if (!items.length) continue;
      customers.set(first.householdId, {
        externalId: first.householdId,
        name: `Household ${first.householdId}`,
      });
      purchases.push({
        customerExternalId: first.householdId,
        idempotencyKey: basketKey(basketId),
        purchasedAt: first.purchasedAt,
        storeId: first.storeId,
        items,
      });
    }
    return { customers: [...customers.values()], purchases };
  }

  clear(): void {
    this.baskets.clear();
    this.lines = 0;
  }
}

// ---- private helpers ----

/** Why `line` cannot belong to the basket `first` describes (`where`: "on line 2"), if it cannot. */
function conflictWith(first: BasketHeader, line: TransactionLine, where: string): string | undefined {
  const differs = (column: string, expected: string, got: string) =>
    `basket ${line.basketId}: ${column} ${JSON.stringify(got)} differs from ${JSON.stringify(expected)} ${where}`;
  if (line.householdId !== first.householdId)
    return differs("household_id", first.householdId, line.householdId);
  if (line.storeId !== first.storeId) return differs("store_id", first.storeId ?? "", line.storeId ?? "");
  if (line.purchasedAt.getTime() !== first.purchasedAt.getTime()) {
    return differs("date/time", formatStoreTime(first.purchasedAt), formatStoreTime(line.purchasedAt));
  }
  return undefined;
}
