import { Prisma } from "../generated/prisma/sqlite/client";

/**
 * SQL condition: one of the columns contains the text, case-insensitively (LOWER(): Unicode on
 * PostgreSQL, ASCII only on SQLite), with %, _ and \ matched as themselves. Prisma's `contains`
 * hands them to LIKE as wildcards and cannot escape them on SQLite. `columns` come from the code.
 *
 * @example Prisma.sql`SELECT * FROM "Product" WHERE ${anyColumnContains(["name", "sku"], "50%")}`
 */
export function anyColumnContains(columns: readonly string[], text: string): Prisma.Sql {
  const pattern = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const tests = columns.map((column) => {
    if (!/^[A-Za-z]+$/.test(column)) throw new Error(`Not a plain column name: ${column}`);
    return Prisma.sql`LOWER(${Prisma.raw(`"${column}"`)}) LIKE LOWER(${pattern}) ESCAPE '\\'`;
  });
  return Prisma.sql`(${Prisma.join(tests, " OR ")})`;
}
