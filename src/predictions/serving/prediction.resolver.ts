import { IsOptional, Max, MaxLength, Min } from "class-validator";
import { type GraphQLSchema, isObjectType } from "graphql";
import {
  Arg,
  Args,
  ArgsType,
  Authorized,
  Ctx,
  Field,
  FieldResolver,
  Float,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
} from "type-graphql";
import { MAX_PROBABILITY_DAYS, probabilityWithin } from "../../analysis/probability";
import type { Role } from "../../auth/api-keys";
import { Customer } from "../../customers/customer.type";
import type { RequestContext } from "../../graphql/context";
import { DateTime } from "../../graphql/date-time";
import { badInput, notFound } from "../../graphql/errors";
import { PageArgs } from "../../graphql/pagination";
import { ANALYSIS_COST, estimatedListComplexity, listComplexity } from "../../graphql/query-limits";
import { NotEmpty, parseId } from "../../graphql/validation";
import { categoryNamesOf } from "../../products/category-names";
import { PredictionFailure } from "../customer-predictions";
import { rankedPredictionsDue } from "../store/customers-due";
import { dueBefore, predictionAccuracy } from "../store/prediction-store";
import { decodeDueCursor, encodeDueCursor } from "./due-cursor";
import {
  CustomerDueConnection,
  Prediction,
  PredictionAccuracy,
  PredictionSource,
  toPrediction,
} from "./prediction.type";

/** predictions(withinDays) beyond ten years says nothing a cadence can answer. */
const MAX_WITHIN_DAYS = 3_650;

@ArgsType()
class PredictionFilterArgs {
  @Field(() => String, { nullable: true, description: "Only this category (case-insensitive)." })
  @IsOptional()
  @MaxLength(200)
  category?: string | null;

  @Field(() => Int, {
    nullable: true,
    description: `Only needs due within this many days from today (0 = today or overdue), 0 to ${MAX_WITHIN_DAYS}.`,
  })
  @IsOptional()
  @Min(0)
  @Max(MAX_WITHIN_DAYS)
  withinDays?: number | null;
}

@ArgsType()
class CustomersDueArgs extends PageArgs {
  @Field({
    description:
      'A product category, in any case (e.g. "fluid milk products"). One no product has is refused ' +
      "(BAD_USER_INPUT) with the closest names.",
  })
  @NotEmpty()
  @MaxLength(200)
  category!: string;

  @Field(() => Int, {
    description:
      `Rank by the probability of a purchase within this many days, the prediction's day included ` +
      `(3: that day and the next two), 1 to ${MAX_PROBABILITY_DAYS}.`,
  })
  @Min(1, { message: `expected a whole number from 1 to ${MAX_PROBABILITY_DAYS}, got $value` })
  @Max(MAX_PROBABILITY_DAYS, {
    message: `expected a whole number from 1 to ${MAX_PROBABILITY_DAYS}, got $value`,
  })
  withinDays!: number;

  @Field(() => Float, {
    nullable: true,
    defaultValue: 0,
    description:
      "Only customers at least this likely (0–1) to buy within withinDays; 0 (the default) or null: everyone.",
  })
  @IsOptional()
  @Min(0, { message: "expected a probability from 0 to 1, got $value" })
  @Max(1, { message: "expected a probability from 0 to 1, got $value" })
  minProbability: number | null = 0;
}

// Field resolvers need no @Authorized of their own: every way to reach a Customer is a root field
// that has one.
@Resolver(() => Customer)
export class CustomerPredictionsResolver {
  @FieldResolver(() => [Prediction], {
    nullable: true,
    description:
      "When the customer will next need each category they buy repeatedly, soonest first (overdue first). " +
      "`category` matches in any case; one no product has is refused (BAD_USER_INPUT) with the closest names. " +
      "Served from the prediction cache; computed from the customer's last 20 purchases on a miss. " +
      "Null, with an error for this field only, when this customer's predictions could not be made: " +
      "the other customers of a page are served.",
    // A customer buys from a few dozen categories at most; on a cache miss they are computed.
    complexity: estimatedListComplexity(30, { base: ANALYSIS_COST }),
  })
  async predictions(
    @Root() customer: Customer,
    @Args() { category, withinDays }: PredictionFilterArgs,
    @Ctx() ctx: RequestContext,
  ): Promise<Prediction[]> {
    // An unknown category is a client mistake, not "no prediction" (BAD_USER_INPUT, closest names).
    // Both at once: the page's loads must reach the DataLoader in the same tick to be one batch.
    const [served, named] = await Promise.all([
      ctx.loaders.predictionsByCustomer.load(customer),
      category == null ? undefined : categoryNamesOf(ctx.db).resolve(category),
    ]);
    const wanted = named?.toLowerCase();
    const until = withinDays == null ? undefined : dueBy(ctx, withinDays);
    return served.predictions
      .filter((p) => wanted === undefined || p.category.toLowerCase() === wanted)
      .filter((p) => until === undefined || Date.parse(p.nextPurchaseAt) < until.getTime())
      .map((p) => toPrediction(p, served));
  }
}

@Resolver()
export class PredictionResolver {
  @Authorized<Role>("ADMIN")
  @Mutation(() => [Prediction], {
    description:
      "Recomputes a customer's predictions now, bypassing and then replacing the cache, and returns them. Admin only.",
  })
  async refreshCustomerPredictions(
    @Arg("customerId", () => ID) customerId: string,
    @Ctx() ctx: RequestContext,
  ): Promise<Prediction[]> {
    const id = parseId(customerId, "customerId");
    const customer = await ctx.loaders.customerById.load(id);
    if (!customer) throw notFound(`No customer with id ${customerId}`);
    const [fresh] = await ctx.predictions.service.refresh([id], { newVersion: true });
    if (fresh instanceof PredictionFailure) throw fresh;
    return fresh!.predictions.map((p) => toPrediction(p, { ...fresh!, cached: false }));
  }

  @Authorized<Role>("ADMIN")
  @Query(() => [PredictionAccuracy], {
    description:
      "Live accuracy: for predictions whose customer has since bought the category (fulfilled since `since`), " +
      "the mean error in days and the share inside the 80 % window, per source. Admin only.",
  })
  predictionAccuracy(
    @Arg("since", () => DateTime) since: Date,
    @Arg("source", () => PredictionSource, { nullable: true }) source: PredictionSource | null,
    @Ctx() { db }: RequestContext,
  ): Promise<PredictionAccuracy[]> {
    return predictionAccuracy(db, since, source ?? undefined) as Promise<PredictionAccuracy[]>;
  }

  @Authorized<Role>("READ")
  @Query(() => CustomerDueConnection, {
    description:
      'Marketing\'s audience, "who will buy milk in the next 3 days?": the customers with a current prediction ' +
      "for the category, ranked by probability(withinDays), highest first; equally likely ones by nextPurchaseAt, " +
      "soonest first, then by customer id. minProbability leaves out the less likely. Probabilities are as of each " +
      "prediction's day: customersDue reads the stored current predictions, which the daily refresh (and every " +
      "read of a customer) replaces; see `npm run refresh`.",
    complexity: listComplexity("first", 20),
  })
  async customersDue(
    @Args() { category, withinDays, minProbability, first, after }: CustomersDueArgs,
    @Ctx() ctx: RequestContext,
  ): Promise<CustomerDueConnection> {
    const cursor = after ? decodeDueCursor(after) : undefined;
    const rows = await rankedPredictionsDue(ctx.db, ctx.provider, {
      category: await categoryNamesOf(ctx.db).resolve(category),
      withinDays,
      minProbability: minProbability ?? 0,
      first,
      after: cursor,
    });
    const edges = rows.slice(0, first).map((row) => ({
      cursor: encodeDueCursor({
        probability: row.probability,
        nextPurchaseAt: new Date(row.record.nextPurchaseAt),
        customerId: row.customer.id,
      }),
      node: {
        customer: row.customer,
        prediction: toPrediction(row.record, {
          generatedAt: row.generatedAt.toISOString(),
          expiresAt: row.expiresAt.toISOString(),
          cached: false,
        }),
      },
    }));
    return { edges, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null } };
  }
}

@Resolver(() => Prediction)
export class PredictionProbabilityResolver {
  @FieldResolver(() => Float, {
    description:
      "0–1: the probability that the customer buys the category within `withinDays` days of the day the " +
      "prediction was made (that day included: 1 = that day alone), from 1 to " +
      `${MAX_PROBABILITY_DAYS}. Never smaller for more days. customersDue ranks by it.`,
    // Two plain fields' worth: measured about 11 µs a field against 5 for a plain one (a warm page of
    // 100 customers, 2,220 predictions), its interpolation and its longer number included.
    complexity: 2,
  })
  probability(
    @Root() prediction: Prediction,
    @Arg("withinDays", () => Int, { description: `Days, 1 to ${MAX_PROBABILITY_DAYS}.` }) withinDays: number,
  ): number {
    // Not called when the schema is built by buildApiSchema (resolveProbabilitySynchronously).
    return probabilityOf(prediction, withinDays);
  }
}

/**
 * Resolves Prediction.probability without type-graphql's pipeline, which checks every argument with
 * an async function, so each field it resolves is a promise: about 40 µs per field against a few
 * for a plain one, on pages of thousands of predictions. The schema (name, argument, description,
 * complexity) stays the decorators' above; only the resolve function is replaced.
 */
export function resolveProbabilitySynchronously(schema: GraphQLSchema): void {
  const type = schema.getType("Prediction");
  if (!isObjectType(type)) throw new Error("the schema has no Prediction type");
  const field = type.getFields().probability;
  if (!field) throw new Error("the schema has no Prediction.probability field");
  field.resolve = (prediction: Prediction, args: { withinDays: number }) =>
    probabilityOf(prediction, args.withinDays);
}

// ---- private helpers ----

function probabilityOf(prediction: Prediction, withinDays: number): number {
  if (withinDays < 1 || withinDays > MAX_PROBABILITY_DAYS) {
    throw badInput(
      `withinDays: expected a whole number from 1 to ${MAX_PROBABILITY_DAYS}, got ${withinDays}`,
    );
  }
  return probabilityWithin(prediction, withinDays);
}

/** The start of the day after today + withinDays in the prediction calendar: "due by then". */
function dueBy(ctx: RequestContext, withinDays: number): Date {
  return dueBefore(ctx.predictions.clock, ctx.now(), withinDays);
}
