// What every request must be before any of our code reads it, checked once at the boundary instead of
// in every resolver: variables nested no deeper than any input of this API needs (a value 10,000
// levels deep overflows the stack of whatever walks it, JSON.stringify included), no NUL character in
// any string (PostgreSQL refuses them in text, SQLite would store them), and an operation this API
// serves (no subscriptions). A request that fails is refused with BAD_USER_INPUT or BAD_REQUEST
// (HTTP 400) before anything runs.
import type { ApolloServerPlugin } from "@apollo/server";
import { type DocumentNode, Kind, visit } from "graphql";
import { apiError, ErrorCode } from "./errors";

/** Levels of objects and lists in one variable: RecordPurchaseInput needs 3; 32 is plenty. */
export const MAX_VARIABLE_DEPTH = 32;

/**
 * The plugin. Apollo runs the didResolveOperation hooks of all plugins together and reports the
 * first plugin's error: register this one before any plugin that walks the variables.
 */
export function inputBoundaryPlugin(): ApolloServerPlugin {
  // Apollo reuses the parsed document of a repeated query string: its strings are checked once.
  const literalsChecked = new WeakMap<DocumentNode, string | undefined>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request }) {
          if (operation?.operation === "subscription") {
            throw apiError(
              ErrorCode.BadRequest,
              "subscriptions are not supported: send a query or a mutation",
              400,
            );
          }
          const variablesProblem = checkVariables(request.variables ?? {});
          if (variablesProblem) throw apiError(ErrorCode.BadUserInput, variablesProblem, 400);
          if (!literalsChecked.has(document)) literalsChecked.set(document, checkLiterals(document));
          const literalProblem = literalsChecked.get(document);
          if (literalProblem) throw apiError(ErrorCode.BadUserInput, literalProblem, 400);
        },
      };
    },
  };
}

// ---- private helpers ----

const NUL = "\u0000";
const NO_NUL = "expected text without NUL characters (\\u0000), got one";

/**
 * The first problem with the variables, or undefined. Walks them with its own stack (no recursion,
 * whatever the depth).
 *
 * @example checkVariables({ input: { items: [{ sku: "a\u0000" }] } })
 *   // "Invalid input: $input.items[0].sku: expected text without NUL characters (\u0000), got one"
 */
function checkVariables(variables: Record<string, unknown>): string | undefined {
  const pending: Array<{ value: unknown; path: string; depth: number }> = Object.entries(variables).map(
    ([name, value]) => ({ value, path: `$${name}`, depth: 0 }),
  );
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { value, path, depth } = next;
    if (typeof value === "string") {
      if (value.includes(NUL)) return `Invalid input: ${path}: ${NO_NUL}`;
      continue;
    }
    if (typeof value !== "object" || value === null) continue;
    if (depth >= MAX_VARIABLE_DEPTH) {
      return `Invalid input: variables: expected at most ${MAX_VARIABLE_DEPTH} levels of nesting, got more in ${path}`;
    }
    if (Array.isArray(value)) {
      value.forEach((item, i) => {
        pending.push({ value: item, path: `${path}[${i}]`, depth: depth + 1 });
      });
    } else {
      for (const [key, item] of Object.entries(value)) {
        pending.push({ value: item, path: `${path}.${key}`, depth: depth + 1 });
      }
    }
  }
  return undefined;
}

/** The first string written into the document that holds a NUL character, as a problem, or undefined. */
function checkLiterals(document: DocumentNode): string | undefined {
  let problem: string | undefined;
  visit(document, {
    [Kind.STRING](node) {
      if (problem || !node.value.includes(NUL)) return;
      const at = node.loc ? ` at line ${node.loc.startToken.line}, column ${node.loc.startToken.column}` : "";
      problem = `Invalid input: the string${at} of the query: ${NO_NUL}`;
    },
  });
  return problem;
}
