// Limits on what one request may ask for, so no client can make the server do unbounded work:
// document size (tokens, checked while parsing), depth, aliases, directives and an estimated cost
// that multiplies list sizes (first/last) through the query. A request over any limit is refused
// before execution with QUERY_TOO_COMPLEX (HTTP 400) and a message naming the limit.
import type { ApolloServerPlugin } from "@apollo/server";
import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import { maxDirectivesRule } from "@escape.tech/graphql-armor-max-directives";
import {
  type DocumentNode,
  type GraphQLError,
  type GraphQLSchema,
  getVariableValues,
  type ValidationContext,
  validate,
} from "graphql";
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from "graphql-query-complexity";
import { apiError, ErrorCode } from "./errors";
import type { HeavyQueryGate } from "./heavy-query-gate";
import { MAX_PAGE_SIZE } from "./pagination";

export interface QueryLimits {
  /** Lexical tokens in the document (graphql-js stops parsing beyond it). */
  maxTokens: number;
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  /** Estimated cost: every field costs 1, list fields multiply their children by their page size. */
  maxCost: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = {
  maxTokens: 5_000,
  maxDepth: 12,
  maxAliases: 30,
  maxDirectives: 20,
  // The heaviest queries it allows, with lists as long as estimated, take 60–180 ms of CPU
  // (bench/heavy-queries.ts measures them: docs/BENCHMARKS.md). The heaviest frontend pages:
  // CustomersWithHistory (20 purchases with lines and products each) fits 19 customers,
  // CustomersWithInsights a full page of 100.
  maxCost: 160_000,
};

/**
 * Cost units are roughly CPU: a plain field costs 1 (about 1–2 µs to resolve and serialise); an
 * object a resolver loads through a DataLoader (a purchase, a line, its product) costs this much
 * more, for its row, the load call and the resolver (measured about ten plain fields' worth).
 */
export const LOADED_OBJECT_COST = 10;

/** A customer's predictions on a cache miss: its history read and analysis, about a millisecond. */
export const ANALYSIS_COST = 500;

/**
 * Complexity of an object field whose resolver loads it: LOADED_OBJECT_COST plus its fields.
 *
 * @example @FieldResolver(() => Product, { complexity: loadedObjectComplexity })
 */
export function loadedObjectComplexity({ childComplexity }: { childComplexity: number }): number {
  return LOADED_OBJECT_COST + childComplexity;
}

/**
 * Complexity of a list field for @Field({ complexity }): each of its page-size elements costs its
 * fields plus `perItem` (LOADED_OBJECT_COST for elements loaded one row each).
 *
 * @example @FieldResolver(() => [Purchase], { complexity: listComplexity("last", 20, LOADED_OBJECT_COST) })
 */
export function listComplexity(sizeArg: string, defaultSize: number, perItem = 0) {
  return ({ args, childComplexity }: { args: Record<string, unknown>; childComplexity: number }) =>
    // Sizes outside 1..MAX_PAGE_SIZE are refused by argument validation, with a clearer message
    // than a cost error, so the estimate uses the nearest allowed size: a negative one must not
    // lower the cost (it would pay for a huge field beside it), a huge one need not raise it.
    1 +
    Math.min(MAX_PAGE_SIZE, Math.max(0, Number(args[sizeArg] ?? defaultSize))) * (perItem + childComplexity);
}

/**
 * Complexity of a list without a size argument, by its expected length; `perItem` as for
 * listComplexity, `base` for work done once for the whole list (e.g. ANALYSIS_COST).
 */
export function estimatedListComplexity(expectedLength: number, { perItem = 0, base = 1 } = {}) {
  return ({ childComplexity }: { childComplexity: number }) =>
    base + expectedLength * (perItem + childComplexity);
}

/**
 * The Apollo plugin enforcing depth, aliases, directives and cost (tokens: see parseOptions); with a
 * gate, a query heavy by its cost executes only in its turn.
 */
export function queryLimitsPlugin(
  schema: GraphQLSchema,
  limits: QueryLimits = DEFAULT_QUERY_LIMITS,
  gate?: HeavyQueryGate,
): ApolloServerPlugin {
  // Without propagation graphql-armor only hands its error to onReject; it must reach validate().
  const report = { propagateOnRejection: false, onReject: [reportTo] };
  const rules = [
    // flattenFragments: depth counts fields, not fragment spreads (otherwise each spread adds two).
    maxDepthRule({ n: limits.maxDepth, ignoreIntrospection: true, flattenFragments: true, ...report }),
    maxAliasesRule({ n: limits.maxAliases, ...report }),
    maxDirectivesRule({ n: limits.maxDirectives, ...report }),
  ];
  // Apollo reuses the parsed document of a repeated query string, so shape checks run once per query.
  const shapeChecked = new WeakMap<DocumentNode, readonly GraphQLError[]>();
  // The cost depends only on the document, the operation and the variables, so a repeated request
  // (the same page again, a page refreshed) is not estimated again; a few hundred variable sets per
  // document, small ones only, bound the memory.
  const costs = new WeakMap<DocumentNode, Map<string, number>>();
  return {
    async requestDidStart() {
      let endTurn: (() => void) | undefined;
      return {
        async didResolveOperation({ document, request, operation, operationName }) {
          // No such operation in the document: Apollo refuses the request and executes nothing.
          if (!operation) return;
          let problems = shapeChecked.get(document);
          if (!problems) {
            problems = validate(schema, document, rules);
            shapeChecked.set(document, problems);
          }
          if (problems.length)
            throw tooComplex(problems.map((p) => p.message.replace(/^Syntax Error: /, "")).join("; "));
          const key = `${operationName ?? ""}:${JSON.stringify(request.variables ?? {})}`;
          let known = costs.get(document);
          let cost = known?.get(key);
          if (cost === undefined) {
            // Variables that do not fit their types: execution refuses them (BAD_USER_INPUT, 400)
            // and runs nothing, so there is no cost to estimate.
            const variables = getVariableValues(
              schema,
              operation.variableDefinitions ?? [],
              request.variables ?? {},
            );
            if (variables.errors) return;
            cost = estimateCost(schema, document, request.variables ?? {}, operationName ?? undefined);
            if (key.length <= MEMO_KEY_CHARS) {
              if (!known) {
                known = new Map();
                costs.set(document, known);
              }
              if (known.size >= MEMO_ENTRIES) known.clear();
              known.set(key, cost);
            }
          }
          if (cost > limits.maxCost) {
            throw tooComplex(
              `Query cost limit of ${limits.maxCost} exceeded, found ${cost}: ask for smaller pages or fewer fields.`,
            );
          }
          if (gate?.isHeavy(cost)) endTurn = await gate.enter();
        },
        async willSendResponse() {
          endTurn?.();
          endTurn = undefined;
        },
      };
    },
  };
}

/** Variable sets remembered per document, and the longest remembered (as JSON). */
const MEMO_ENTRIES = 500;
const MEMO_KEY_CHARS = 1_000;

function estimateCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown>,
  operationName: string | undefined,
): number {
  try {
    return getComplexity({
      schema,
      query: document,
      variables,
      operationName,
      estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
    });
  } catch (error) {
    // Fragments spread into each other can multiply a small document beyond what is worth estimating.
    if (/maximum allowed number of nodes/.test((error as Error).message)) {
      throw tooComplex("Query too large: its fragments expand to too many fields.");
    }
    throw error;
  }
}

function reportTo(context: ValidationContext | null, error: GraphQLError): void {
  context?.reportError(error);
}

function tooComplex(message: string): GraphQLError {
  return apiError(ErrorCode.QueryTooComplex, message, 400);
}
