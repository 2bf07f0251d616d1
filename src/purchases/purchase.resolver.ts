import { Arg, Authorized, Ctx, FieldResolver, Mutation, Resolver, Root } from "type-graphql";
import type { Role } from "../auth/api-keys";
import { Customer } from "../customers/customer.type";
import type { RequestContext } from "../graphql/context";
import { estimatedListComplexity } from "../graphql/query-limits";
import { Product } from "../products/product.type";
import { RecordPurchaseInput, RecordPurchasePayload } from "./purchase.inputs";
import { Purchase, PurchaseItem } from "./purchase.type";
import { recordPurchase } from "./record-purchase";

// Field resolvers need no @Authorized of their own: every way to reach these types is a root
// field that has one.

@Resolver(() => Purchase)
export class PurchaseResolver {
  // A basket has about ten lines; the cost estimate assumes a generous 15.
  @FieldResolver(() => [PurchaseItem], { complexity: estimatedListComplexity(15) })
  items(@Root() purchase: Purchase, @Ctx() ctx: RequestContext) {
    return ctx.loaders.itemsByPurchase.load(purchase.id);
  }

  @FieldResolver(() => Customer)
  customer(@Root() purchase: Purchase, @Ctx() ctx: RequestContext) {
    return ctx.loaders.customerById.load(purchase.customerId);
  }

  @Authorized<Role>("INGEST")
  @Mutation(() => RecordPurchasePayload, {
    description: "Records a purchase (one transaction). Needs an INGEST or ADMIN key.",
  })
  recordPurchase(@Arg("input") input: RecordPurchaseInput, @Ctx() { db }: RequestContext) {
    return recordPurchase(db, input);
  }
}

@Resolver(() => PurchaseItem)
export class PurchaseItemResolver {
  @FieldResolver(() => Product)
  product(@Root() item: PurchaseItem, @Ctx() ctx: RequestContext) {
    return ctx.loaders.productById.load(item.productId);
  }
}
