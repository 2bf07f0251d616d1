import { Field, Float, Int, ObjectType, registerEnumType } from "type-graphql";
import { Customer } from "../../customers/customer.type";
import { DateTime } from "../../graphql/date-time";
import { Connection } from "../../graphql/pagination";
import type { PredictionRecord, ServedPredictions } from "../customer-predictions";

export enum PredictionSource {
  STATISTICAL = "STATISTICAL",
  BEDROCK = "BEDROCK",
}

registerEnumType(PredictionSource, {
  name: "PredictionSource",
  description: "What made a prediction.",
  valuesConfig: {
    STATISTICAL: { description: "The embedded statistical analyzer (docs/PREDICTION.md)." },
    BEDROCK: { description: "Claude on AWS Bedrock, grounded on the statistical analysis." },
  },
});

@ObjectType({ description: "A product the customer usually buys in a category.", simpleResolvers: true })
export class UsualProduct {
  @Field()
  sku!: string;

  @Field()
  name!: string;

  @Field(() => Float, { description: "Share (0–1) of the customer's purchase days in the category with it." })
  share!: number;
}

@ObjectType({
  description:
    "When a customer will next need a category they buy repeatedly, with an 80 % window. Dates are the " +
    "start of a calendar day in the server's TIME_ZONE.",
  simpleResolvers: true,
})
export class Prediction {
  @Field()
  category!: string;

  @Field(() => [UsualProduct], { description: "Most chosen first; at most three." })
  usualProducts!: UsualProduct[];

  @Field(() => DateTime, {
    description:
      "The median day of the next purchase as of when this was made: by its end probability(withinDays) reaches ½. " +
      "Never in the past; for a need that is overdue, as far ahead as its fading chance puts it.",
  })
  /** ISO-8601, UTC. */
  nextPurchaseAt!: string;

  @Field(() => DateTime, { description: "First day of the 80 % window." })
  /** ISO-8601, UTC. */
  windowStart!: string;

  @Field(() => DateTime, { description: "Last day of the 80 % window (inclusive)." })
  /** ISO-8601, UTC. */
  windowEnd!: string;

  @Field(() => Float, {
    description:
      "0–1: the probability that the purchase falls within ±max(1 day, 20 % of intervalDays) of nextPurchaseAt.",
  })
  confidence!: number;

  @Field(() => Float, { description: "Days the customer's last purchase in the category typically lasts." })
  intervalDays!: number;

  /**
   * Not in the schema: P(bought within d days) at each d of PROBABILITY_DAYS, which
   * probability(withinDays) reads (PredictionProbabilityResolver).
   */
  probabilityWithin!: number[];

  @Field(() => DateTime)
  /** ISO-8601, UTC. */
  lastPurchasedAt!: string;

  @Field({
    description:
      "The customer's usual interval for the category had passed when this was made: late, or (see reason) probably stopped.",
  })
  overdue!: boolean;

  @Field({
    description:
      "One line a person can read, saying what the prediction rests on, e.g. " +
      '"buys about every 7 days (9 purchase days over 56 days); last bought 5 days ago: 2 × Milk; 2 days overdue".',
  })
  reason!: string;

  @Field(() => PredictionSource)
  source!: PredictionSource;

  @Field({ description: "The analyzer version or model id that made it." })
  model!: string;

  @Field(() => DateTime)
  /** ISO-8601, UTC. */
  generatedAt!: string;

  @Field(() => DateTime, {
    description: "Served from the cache until then, unless a purchase or refresh comes first.",
  })
  /** ISO-8601, UTC. */
  expiresAt!: string;

  @Field({ description: "Served from the cache (true) or computed for this request (false)." })
  cached!: boolean;
}

/** The GraphQL shape of one served record. */
export function toPrediction(
  record: PredictionRecord,
  owner: Pick<ServedPredictions, "generatedAt" | "expiresAt" | "cached">,
): Prediction {
  return {
    category: record.category,
    usualProducts: record.usualProducts,
    nextPurchaseAt: record.nextPurchaseAt,
    windowStart: record.windowStart,
    windowEnd: record.windowEnd,
    confidence: record.confidence,
    intervalDays: record.intervalDays,
    probabilityWithin: record.probabilityWithin,
    lastPurchasedAt: record.lastPurchasedAt,
    overdue: record.overdue,
    reason: record.reason,
    source: PredictionSource[record.source],
    model: record.model,
    generatedAt: owner.generatedAt,
    expiresAt: owner.expiresAt,
    cached: owner.cached,
  };
}

@ObjectType({ description: "Live accuracy of one source's fulfilled predictions.", simpleResolvers: true })
export class PredictionAccuracy {
  @Field(() => PredictionSource)
  source!: PredictionSource;

  @Field(() => Int, { description: "Predictions whose customer has since bought the category." })
  fulfilled!: number;

  @Field(() => Float, { description: "Mean |purchase day − predicted day|, in days." })
  meanAbsoluteErrorDays!: number;

  @Field(() => Float, { description: "Share (0–1) of those purchases inside the 80 % window." })
  windowCoverage!: number;
}

@ObjectType({
  description: "A customer and their prediction for the category customersDue was asked about.",
  simpleResolvers: true,
})
export class CustomerDue {
  @Field(() => Customer)
  customer!: Customer;

  @Field(() => Prediction)
  prediction!: Prediction;
}

@ObjectType()
export class CustomerDueConnection extends Connection(CustomerDue) {}
