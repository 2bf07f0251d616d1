import {
  ArrayMaxSize,
  ArrayMinSize,
  IsOptional,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from "class-validator";
import { Field, Float, ID, InputType, ObjectType } from "type-graphql";
import { DateTime } from "../graphql/date-time";
import { Purchase } from "./purchase.type";

/** Lines per purchase: far above any real basket, low enough to bound one request's work. */
export const MAX_PURCHASE_LINES = 200;
/**
 * Units of one product in one purchase, after its lines are merged: far above any real basket (fuel
 * by the gallon stays below 40,000), low enough that no quantity makes an absurd prediction.
 */
export const MAX_LINE_QUANTITY = 100_000;
/** The smallest quantity: a thousandth (a gram of something sold by the kilogram). */
export const MIN_LINE_QUANTITY = 0.001;
/** What one product's line may cost, after merging. */
export const MAX_LINE_AMOUNT = 10_000_000;

@InputType({ description: "One line: the product (by productId or by sku, exactly one) and how much." })
export class PurchaseLineInput {
  @Field(() => ID, { nullable: true })
  productId?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(100)
  sku?: string | null;

  @Field(() => Float, {
    description:
      `Units bought, may be fractional: ${MIN_LINE_QUANTITY} to ${MAX_LINE_QUANTITY}, ` +
      "also for the sum of the lines of one product (they are merged into one).",
  })
  @Min(MIN_LINE_QUANTITY)
  @Max(MAX_LINE_QUANTITY)
  quantity!: number;

  @Field(() => Float, {
    nullable: true,
    description: `What the line cost (default 0), at most ${MAX_LINE_AMOUNT} also for one product's lines together.`,
  })
  @IsOptional()
  @Min(0)
  @Max(MAX_LINE_AMOUNT)
  amount?: number | null;
}

@InputType({
  description:
    "A purchase: the customer (by customerId or customerExternalId, exactly one), when, where and what. " +
    "Retrying with the same idempotencyKey and the same content returns the first purchase and writes nothing; " +
    "other content under a used key (another customer, other lines, another purchasedAt or storeId) is refused " +
    "with IDEMPOTENCY_KEY_REUSED. A retry that leaves purchasedAt out matches the first one's time.",
})
export class RecordPurchaseInput {
  @Field(() => ID, { nullable: true })
  customerId?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(100)
  customerExternalId?: string | null;

  @Field(() => DateTime, {
    nullable: true,
    description: "Default: now. At most a day in the future.",
  })
  purchasedAt?: Date | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(64)
  storeId?: string | null;

  @Field(() => [PurchaseLineInput])
  @ArrayMinSize(1, { message: "items must list at least one line" })
  @ArrayMaxSize(MAX_PURCHASE_LINES)
  @ValidateNested({ each: true })
  items!: PurchaseLineInput[];

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(200)
  @Matches(/^[\x21-\x7e]+$/, { message: "idempotencyKey must be printable ASCII without spaces" })
  idempotencyKey?: string | null;
}

@ObjectType()
export class RecordPurchasePayload {
  @Field(() => Purchase)
  purchase!: Purchase;

  @Field({
    description: "False when the idempotencyKey matched an earlier purchase: nothing new was written.",
  })
  created!: boolean;
}
