import { Field, Float, Int, ObjectType } from "type-graphql";

@ObjectType({
  description: "How often, in the month, statistics stood in for Claude, by reason.",
  simpleResolvers: true,
})
export class AiFallbackCount {
  @Field({
    description:
      "budget, request_limit (BEDROCK_MAX_CALLS_PER_REQUEST), circuit_open, throttled, server_error, timeout, network, rejected, malformed_output, missing_tool, refusal or truncated.",
  })
  reason!: string;

  @Field(() => Int)
  count!: number;
}

@ObjectType({
  description: "What Claude on Bedrock cost in a month (UTC) and how often it was not used.",
  simpleResolvers: true,
})
export class AiUsage {
  @Field({ description: "YYYY-MM (UTC)." })
  month!: string;

  @Field({ description: "The analyzer serving now: statistical or bedrock." })
  analyzer!: string;

  @Field(() => String, { nullable: true, description: "The Bedrock model id when the analyzer is bedrock." })
  model!: string | null;

  @Field(() => Int, { description: "Calls to Bedrock (every attempt, retries included)." })
  calls!: number;

  @Field(() => Int, { description: "Calls that failed (throttled, errors, timeouts, unusable answers)." })
  failedCalls!: number;

  @Field(() => Float, { description: "Input tokens, as Bedrock's usage reports them." })
  inputTokens!: number;

  @Field(() => Float)
  outputTokens!: number;

  @Field(() => Float, { description: "USD at the configured per-token prices." })
  costUsd!: number;

  @Field(() => Float, { description: "AI_MONTHLY_BUDGET_USD." })
  budgetUsd!: number;

  @Field(() => Float, { description: "Budget minus cost, never below 0." })
  budgetLeftUsd!: number;

  @Field(() => [AiFallbackCount], {
    description: "Customers served statistics instead of Claude, by reason.",
  })
  fallbacks!: AiFallbackCount[];
}
