/**
 * Splits a list into runs of at most `size`, so one statement never carries more bind parameters
 * than the database takes (SQLite: 32,766; PostgreSQL: 65,535).
 *
 * @example chunks([1, 2, 3], 2) // [[1, 2], [3]]
 */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  if (!(size >= 1)) throw new RangeError(`chunk size must be at least 1, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Rows per statement for bulk writes and IN (...) lists: far below either database's bind limit. */
export const BIND_SAFE_ROWS = 2_000;

/** The first item for each key, in order. */
export function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}

/**
 * Looks up ids for many unique keys in bind-safe chunks.
 *
 * @example
 *   await lookupIds(skus, async (batch) =>
 *     (await db.product.findMany({ where: { sku: { in: batch } } })).map((p) => [p.sku, p.id]));
 */
export async function lookupIds(
  keys: Iterable<string>,
  find: (batch: string[]) => Promise<Array<[string, number]>>,
): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (const batch of chunks([...new Set(keys)], BIND_SAFE_ROWS)) {
    for (const [key, id] of await find(batch)) ids.set(key, id);
  }
  return ids;
}
