import { Arg, Authorized, Ctx, FieldResolver, Query, Resolver, Root } from "type-graphql";
import type { Role } from "../auth/api-keys";
import { Customer } from "../customers/customer.type";
import type { RequestContext } from "../graphql/context";
import { badInput } from "../graphql/errors";
import { ANALYSIS_COST, estimatedListComplexity } from "../graphql/query-limits";
import { AiUsage } from "./ai-usage.type";
import { monthOf } from "./usage-ledger";

@Resolver()
export class AiUsageResolver {
  @Authorized<Role>("ADMIN")
  @Query(() => AiUsage, {
    description:
      "Bedrock calls, tokens, cost, budget left and fallbacks by reason for a month (default: this one). Admin only.",
  })
  async aiUsage(
    @Arg("month", () => String, { nullable: true, description: "YYYY-MM (UTC)." }) month: string | null,
    @Ctx() { predictions }: RequestContext,
  ): Promise<AiUsage> {
    const wanted = month ?? monthOf(new Date());
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(wanted)) {
      throw badInput(`month: expected YYYY-MM (e.g. 2026-11), got ${JSON.stringify(wanted.slice(0, 20))}`);
    }
    const usage = await predictions.ledger.month(wanted);
    const budgetUsd = predictions.aiBudgetUsd;
    return {
      ...usage,
      analyzer: predictions.gateway ? "bedrock" : "statistical",
      model: predictions.gateway?.modelId ?? null,
      budgetUsd,
      budgetLeftUsd: Math.max(0, budgetUsd - usage.costUsd),
    };
  }
}

@Resolver(() => Customer)
export class CustomerInsightsResolver {
  @FieldResolver(() => [String], {
    nullable: true,
    description:
      "Short plain-language observations about the customer's habits from Claude (empty with the statistical analyzer, or when Claude was unavailable). " +
      "Null, with an error for this field only, when this customer's predictions could not be made.",
    // Up to three, from the same analysis as the predictions (computed on a cache miss).
    complexity: estimatedListComplexity(3, { base: ANALYSIS_COST }),
  })
  async insights(@Root() customer: Customer, @Ctx() ctx: RequestContext): Promise<string[]> {
    return (await ctx.loaders.predictionsByCustomer.load(customer)).insights;
  }
}
