import { IsOptional, Max, MaxLength, Min } from "class-validator";
import {
  Arg,
  Args,
  ArgsType,
  Authorized,
  Ctx,
  Field,
  FieldResolver,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
} from "type-graphql";
import type { Role } from "../../auth/api-keys";
import { Customer } from "../../customers/customer.type";
import type { RequestContext } from "../../graphql/context";
import { DateTime } from "../../graphql/date-time";
import { badInput, notFound } from "../../graphql/errors";
import { PageArgs } from "../../graphql/pagination";
import { ANALYSIS_COST, estimatedListComplexity, listComplexity } from "../../graphql/query-limits";
import { NotEmpty, parseId } from "../../graphql/validation";
import { PredictionFailure } from "../customer-predictions";
import {
  CustomerDueConnection,
  Prediction,
  PredictionAccuracy,
  PredictionSource,
  toPrediction,
} from "./prediction.type";
import {
  currentPredictionsDue,
  type DueCursor,
  dueBefore,
  predictionAccuracy,
  recordOfRow,
} from "../store/prediction-store";

/** withinDays beyond ten years says nothing a cadence can answer. */
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
  @Field({ description: 'The category, exactly as products name it (e.g. "FLUID MILK PRODUCTS").' })
  @NotEmpty()
  @MaxLength(200)
  category!: string;

  @Field(() => Int, {
    description: `Needs due within this many days from today, overdue ones included; 0 to ${MAX_WITHIN_DAYS}.`,
  })
  @Min(0)
  @Max(MAX_WITHIN_DAYS)
  withinDays!: number;
}

// Field resolvers need no @Authorized of their own: every way to reach a Customer is a root field
// that has one.
@Resolver(() => Customer)
export class CustomerPredictionsResolver {
  @FieldResolver(() => [Prediction], {
    nullable: true,
    description:
      "When the customer will next need each category they buy repeatedly, soonest first (overdue first). " +
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
    const served = await ctx.loaders.predictionsByCustomer.load(customer);
    const wanted = category?.trim().toLowerCase();
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
      'Customers whose next need of a category falls within the next `withinDays` days, most overdue first: "who needs ' +
      'milk in the next 3 days?". From the stored current predictions (see `npm run refresh`).',
    complexity: listComplexity("first", 20),
  })
  async customersDue(
    @Args() { category, withinDays, first, after }: CustomersDueArgs,
    @Ctx() ctx: RequestContext,
  ): Promise<CustomerDueConnection> {
    const rows = await currentPredictionsDue(ctx.db, {
      category,
      until: dueBy(ctx, withinDays),
      first,
      ...(after ? { after: decodeDueCursor(after) } : {}),
    });
    const nodes = rows.slice(0, first);
    const edges = nodes.map((row) => ({
      cursor: encodeDueCursor({ nextPurchaseAt: row.nextPurchaseAt, customerId: row.customerId }),
      node: {
        customer: row.customer,
        prediction: toPrediction(recordOfRow(row), {
          generatedAt: row.generatedAt.toISOString(),
          expiresAt: row.expiresAt.toISOString(),
          cached: false,
        }),
      },
    }));
    return { edges, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null } };
  }
}

// ---- private helpers ----

/** The start of the day after today + withinDays in the prediction calendar: "due by then". */
function dueBy(ctx: RequestContext, withinDays: number): Date {
  return dueBefore(ctx.predictions.clock, ctx.now(), withinDays);
}

function encodeDueCursor({ nextPurchaseAt, customerId }: DueCursor): string {
  return Buffer.from(`due1:${nextPurchaseAt.getTime()}:${customerId}`).toString("base64url");
}

function decodeDueCursor(cursor: string): DueCursor {
  const match = /^due1:(\d{1,15}):(\d{1,10})$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!match) {
    throw badInput(
      `after: expected a cursor returned by customersDue, got ${JSON.stringify(cursor.slice(0, 40))}`,
    );
  }
  return { nextPurchaseAt: new Date(Number(match[1])), customerId: Number(match[2]) };
}
