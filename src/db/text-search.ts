import type { DatabaseProvider } from "../config";

/**
 * A case-insensitive "contains" filter. PostgreSQL needs mode: "insensitive"; SQLite's LIKE is
 * already case-insensitive (for ASCII) and Prisma rejects the mode there.
 */
export function textContains(provider: DatabaseProvider, text: string) {
  return provider === "postgresql" ? { contains: text, mode: "insensitive" as const } : { contains: text };
}
