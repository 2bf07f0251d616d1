// Shared checks of refused requests: one clear error with a stable code, nothing internal leaked,
// nothing written.
import type { GraphQLResponse, TestApi } from "./api";

/** Everything in the database, to show that a refused request changed nothing. */
export async function snapshot(api: TestApi): Promise<string> {
  const db = api.database.prisma;
  return JSON.stringify([
    await db.customer.findMany({ orderBy: { id: "asc" } }),
    await db.product.findMany({ orderBy: { id: "asc" } }),
    await db.purchase.findMany({ orderBy: { id: "asc" } }),
    await db.purchaseItem.findMany({ orderBy: { id: "asc" } }),
  ]);
}

/** What would mean that an internal error leaked through: stack frames, file paths, database words. */
export const INTERNALS =
  /stacktrace|\n\s*at |node_modules|\.[jt]s:\d+|prisma|\bsql|sqlite|postgres|invocation|22021/i;

/** One error with this code and a message matching `message`; a 4xx (or exactly `status`). */
export function expectRefused(
  response: GraphQLResponse<unknown>,
  code: string,
  message: RegExp,
  status?: number,
): void {
  if (status === undefined) expect(response.status).toBeLessThan(500);
  else expect(response.status).toBe(status);
  expect(response.errors).toEqual([
    expect.objectContaining({ message: expect.stringMatching(message), extensions: { code } }),
  ]);
  expect(JSON.stringify(response.errors)).not.toMatch(INTERNALS);
}
