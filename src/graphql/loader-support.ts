// Shared pieces of the per-request DataLoaders.

/**
 * Keys per batch: the most one request can ask for at one level (100 customers × their 100 newest
 * purchases), so a page always loads in one batch per level, and IN lists stay well below SQLite's
 * (32,766) and PostgreSQL's (65,535) bind-parameter limits. Prisma's own limit for SQLite is lower
 * (999): loaders that can get more keys than that use raw SQL.
 */
export const LOADER_BATCH_SIZE = 10_000;

/**
 * Options of every per-request DataLoader. A batch is dispatched from setImmediate, once the event
 * loop has polled for I/O, instead of straight after the current promise jobs: a large query then
 * runs as one slice of work per level (customers, purchases, lines, products), and other requests
 * (GET /healthz, small queries) are served between its slices instead of after the whole of it.
 * It costs one turn of the event loop per level.
 */
export const LOADER_OPTIONS = {
  maxBatchSize: LOADER_BATCH_SIZE,
  batchScheduleFn: (dispatch: () => void) => {
    setImmediate(dispatch);
  },
} as const;

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
