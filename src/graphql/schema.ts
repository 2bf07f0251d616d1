import "reflect-metadata";
import type { GraphQLSchema } from "graphql";
import { buildSchema } from "type-graphql";
import type { KeyRing } from "../auth/api-keys";
import { createAuthChecker } from "../auth/auth-checker";
import { AiUsageResolver, CustomerInsightsResolver } from "../bedrock/ai-usage.resolver";
import { CustomerResolver } from "../customers/customer.resolver";
import { BatchRunResolver } from "../predictions/batch/batch-run.resolver";
import {
  CustomerPredictionsResolver,
  PredictionProbabilityResolver,
  PredictionResolver,
  resolveProbabilitySynchronously,
} from "../predictions/serving/prediction.resolver";
import { ProductResolver } from "../products/product.resolver";
import { PurchaseItemResolver, PurchaseResolver } from "../purchases/purchase.resolver";
import { validateArgument } from "./validation";

export const RESOLVERS = [
  CustomerResolver,
  CustomerPredictionsResolver,
  PredictionResolver,
  PredictionProbabilityResolver,
  ProductResolver,
  PurchaseResolver,
  PurchaseItemResolver,
  BatchRunResolver,
  AiUsageResolver,
  CustomerInsightsResolver,
] as const;

/** The executable schema; built once per process (type-graphql's work is too slow for per request). */
export async function buildApiSchema(keys: KeyRing): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: RESOLVERS,
    authChecker: createAuthChecker(keys),
    authMode: "error",
    validateFn: validateArgument,
  });
  resolveProbabilitySynchronously(schema);
  return schema;
}
