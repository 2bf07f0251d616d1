// Argument and input validation with class-validator decorators, reported as one BAD_USER_INPUT
// error whose message lists every problem ("first must not be greater than 100; …") instead of
// type-graphql's generic "Argument Validation Error".
import { IsNotEmpty, type ValidationError, validate } from "class-validator";
import { badInput } from "./errors";

/**
 * A required text that may not be "": says "<field> must not be empty" (class-validator's
 * MinLength(1) says "must be longer than or equal to 1 characters", next to any pattern's complaint).
 */
export const NotEmpty = () => IsNotEmpty({ message: "$property must not be empty" });

/** type-graphql's validateFn. */
export async function validateArgument(value: unknown): Promise<void> {
  if (value === null || typeof value !== "object") return;
  const values = Array.isArray(value) ? value : [value];
  const problems: string[] = [];
  for (const item of values) {
    if (item === null || typeof item !== "object" || item.constructor === Object) continue;
    // Nothing given, nothing to check: every constraint here applies to a value that is present
    // (optional arguments carry @IsOptional, required ones are non-null in GraphQL). This skips
    // class-validator for each of a page's 50 argument-less `predictions` fields.
    if (Object.values(item).every((v) => v === undefined)) continue;
    const errors = await validate(item as object, { forbidUnknownValues: false });
    problems.push(...errors.flatMap((error) => describe(error, "")));
  }
  if (problems.length) throw badInput(`Invalid input: ${problems.join("; ")}`);
}

function describe(error: ValidationError, parent: string): string[] {
  const path = parent ? `${parent}.${error.property}` : error.property;
  const own = Object.values(error.constraints ?? {}).map((message) =>
    // class-validator starts messages with the bare property name; show the full path instead.
    message.startsWith(`${error.property} `)
      ? `${path}${message.slice(error.property.length)}`
      : `${path}: ${message}`,
  );
  return [...own, ...(error.children ?? []).flatMap((child) => describe(child, path))];
}

/** Record ids are 32-bit integer columns (PostgreSQL refuses a larger value in a query on them). */
export const MAX_ID = 2_147_483_647;

/**
 * Parses a GraphQL ID of one of our records (a positive integer that fits an id column).
 *
 * @example parseId("42", "customer id") // 42;  parseId("abc", "customer id") → BAD_USER_INPUT
 */
export function parseId(value: string | number, what: string): number {
  const text = String(value).trim();
  const id = Number(text);
  if (!/^\d{1,15}$/.test(text) || !Number.isSafeInteger(id) || id < 1 || id > MAX_ID) {
    throw badInput(
      `${what}: expected a whole number from 1 to ${MAX_ID}, got ${JSON.stringify(String(value).slice(0, 40))}`,
    );
  }
  return id;
}
