// Limits on what one request may ask for, so no client can make the server do unbounded work:
// document size (tokens, checked while parsing), depth, aliases, directives and an estimated cost
// that multiplies list sizes (first/last) through the query. A request over any limit is refused
// before execution with QUERY_TOO_COMPLEX (HTTP 400) and a message naming the limit.
import type { ApolloServerPlugin } from "@apollo/server";
import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import { maxDirectivesRule } from "@escape.tech/graphql-armor-max-directives";
import { type DocumentNode, type GraphQLError, type GraphQLSchema, validate } from "graphql";
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from "graphql-query-complexity";
import { apiError, ErrorCode } from "./errors";

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
  // customers(first: 100) { purchases(last: 20) { items { product { … } } } } costs about 300,000.
  maxCost: 500_000,
};

/**
 * Complexity of a list field for @Field({ complexity }): its children's cost times the page size.
 *
 * @example @FieldResolver(() => [Purchase], { complexity: listComplexity("last", 20) })
 */
export function listComplexity(sizeArg: string, defaultSize: number) {
  return ({ args, childComplexity }: { args: Record<string, unknown>; childComplexity: number }) =>
    1 + Number(args[sizeArg] ?? defaultSize) * childComplexity;
}

/** Complexity of a list without a size argument, by its expected length. */
export function estimatedListComplexity(expectedLength: number) {
  return ({ childComplexity }: { childComplexity: number }) => 1 + expectedLength * childComplexity;
}

/** The Apollo plugin enforcing depth, aliases, directives and cost (tokens: see parseOptions). */
export function queryLimitsPlugin(
  schema: GraphQLSchema,
  limits: QueryLimits = DEFAULT_QUERY_LIMITS,
): ApolloServerPlugin {
  const rules = [
    maxDepthRule({ n: limits.maxDepth, ignoreIntrospection: true, propagateOnRejection: false }),
    maxAliasesRule({ n: limits.maxAliases, propagateOnRejection: false }),
    maxDirectivesRule({ n: limits.maxDirectives, propagateOnRejection: false }),
  ];
  // Apollo reuses the parsed document of a repeated query string, so shape checks run once per query.
  const shapeChecked = new WeakMap<DocumentNode, readonly GraphQLError[]>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request, operationName }) {
          let problems = shapeChecked.get(document);
          if (!problems) {
            problems = validate(schema, document, rules);
            shapeChecked.set(document, problems);
          }
          if (problems.length)
            throw tooComplex(problems.map((p) => p.message.replace(/^Syntax Error: /, "")).join("; "));
          const cost = getComplexity({
            schema,
            query: document,
            variables: request.variables ?? {},
            operationName: operationName ?? undefined,
            estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
          });
          if (cost > limits.maxCost) {
            throw tooComplex(
              `Query cost limit of ${limits.maxCost} exceeded, found ${cost}: ask for smaller pages or fewer fields.`,
            );
          }
        },
      };
    },
  };
}

function tooComplex(message: string): GraphQLError {
  return apiError(ErrorCode.QueryTooComplex, message, 400);
}
