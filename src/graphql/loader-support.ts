// Shared pieces of the per-request DataLoaders.

/**
 * Keys per batch: IN lists stay far below SQLite's and PostgreSQL's bind-parameter limits, and a
 * 100-customer page still loads in one batch per level.
 */
export const LOADER_BATCH_SIZE = 1_000;

/** Rows in the order of the keys, null where a key has no row (DataLoader's contract). */
export function orderedBy<K, T>(
  keys: readonly K[],
  rows: readonly T[],
  keyOf: (row: T) => K,
): Array<T | null> {
  const byKey = new Map(rows.map((row) => [keyOf(row), row]));
  return keys.map((key) => byKey.get(key) ?? null);
}

/** Rows grouped under each key, in key order (keys without rows get an empty list). */
export function groupedBy<K, T>(keys: readonly K[], rows: readonly T[], keyOf: (row: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>(keys.map((key) => [key, []]));
  for (const row of rows) groups.get(keyOf(row))?.push(row);
  return groups;
}
