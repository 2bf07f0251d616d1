import { Field, Float, ID, ObjectType } from "type-graphql";
import { DateTime } from "../graphql/date-time";

@ObjectType({ description: "One basket / order." })
export class Purchase {
  @Field(() => ID)
  id!: number;

  customerId!: number;

  @Field(() => DateTime)
  purchasedAt!: Date;

  @Field(() => String, { nullable: true })
  storeId!: string | null;

  @Field(() => Float, { description: "Sum of the items' amounts." })
  total!: number;

  @Field(() => String, { nullable: true })
  idempotencyKey!: string | null;

  @Field(() => DateTime)
  createdAt!: Date;
}

@ObjectType({ description: "One product line of a purchase." })
export class PurchaseItem {
  @Field(() => ID)
  id!: number;

  purchaseId!: number;

  productId!: number;

  @Field(() => Float, { description: "Units bought (> 0, may be fractional)." })
  quantity!: number;

  @Field(() => Float)
  amount!: number;
}

/** Prisma rows carry money as Decimal; the API speaks numbers. */
export function toPurchase(row: {
  id: number;
  customerId: number;
  purchasedAt: Date;
  storeId: string | null;
  total: { toNumber(): number };
  idempotencyKey: string | null;
  createdAt: Date;
}): Purchase {
  return { ...row, total: row.total.toNumber() };
}

export function toPurchaseItem(row: {
  id: number;
  purchaseId: number;
  productId: number;
  quantity: number;
  amount: { toNumber(): number };
}): PurchaseItem {
  return { ...row, amount: row.amount.toNumber() };
}
