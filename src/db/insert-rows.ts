// Multi-row INSERTs for the bulk writers. Prisma's createMany spends about ten times the database's
// own time building and compiling each row (measured on SQLite: ~6,000 rows/s through createMany,
// ~70,000 rows/s as one INSERT per chunk), and seeds and imports write millions of lines. The values
// still go through Prisma's driver adapter, which encodes dates and decimals exactly as createMany
// does on both databases. Columns with @default(now()) must be passed: Prisma fills those in, not
// the database.

import { Prisma } from "../generated/prisma/sqlite/client";
import type { Db } from "./client";

/**
 * Inserts rows into a table in one statement; returns the number inserted. `table` and `columns`
 * are identifiers from the code, never from input. Keep rows × columns within BIND_SAFE_ROWS-sized
 * chunks' bind limits.
 *
 * @example
 *   await insertRows(db, "PurchaseItem", ["purchaseId", "productId", "quantity", "amount"], rows);
 */
export function insertRows<Row extends object>(
  db: Db,
  table: string,
  columns: readonly (keyof Row & string)[],
  rows: readonly Row[],
): Promise<number> {
  if (!rows.length) return Promise.resolve(0);
  return db.$executeRaw(statement(table, columns, rows));
}

/** Like insertRows, and returns the given columns of every inserted row (e.g. generated ids). */
export function insertRowsReturning<Row extends object, Out>(
  db: Db,
  table: string,
  columns: readonly (keyof Row & string)[],
  rows: readonly Row[],
  returning: readonly string[],
): Promise<Out[]> {
  if (!rows.length) return Promise.resolve([]);
  return db.$queryRaw<Out[]>(
    Prisma.sql`${statement(table, columns, rows)} RETURNING ${Prisma.raw(returning.map(quote).join(", "))}`,
  );
}

function statement<Row extends object>(
  table: string,
  columns: readonly (keyof Row & string)[],
  rows: readonly Row[],
) {
  const values = rows.map((row) => Prisma.sql`(${Prisma.join(columns.map((c) => row[c]))})`);
  return Prisma.sql`INSERT INTO ${Prisma.raw(quote(table))} (${Prisma.raw(columns.map(quote).join(", "))}) VALUES ${Prisma.join(values)}`;
}

function quote(identifier: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(identifier))
    throw new Error(`Not a plain SQL identifier: ${identifier}`);
  return `"${identifier}"`;
}
