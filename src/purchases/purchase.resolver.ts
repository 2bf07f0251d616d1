import { Arg, Authorized, Ctx, FieldResolver, Mutation, Resolver, Root } from "type-graphql";
import type { Role } from "../auth/api-keys";
import { Customer } from "../customers/customer.type";
import type { RequestContext } from "../graphql/context";
import { estimatedListComplexity, LOADED_OBJECT_COST, loadedObjectComplexity } from "../graphql/query-limits";
import { Product } from "../products/product.type";
import { RecordPurchaseInput, RecordPurchasePayload } from "./purchase.inputs";
import { Purchase, PurchaseItem } from "./purchase.type";
import { recordPurchase } from "./record-purchase";

// Field resolvers need no @Authorized of their own: every way to reach these types is a root
// field that has one.

@Resolver(() => Purchase)
export class PurchaseResolver {
  // A basket has about ten lines; the cost estimate assumes a generous 15. Baskets larger than that
  // make a response larger than its estimate: the response size limit bounds those.
  @FieldResolver(() => [PurchaseItem], {
    complexity: estimatedListComplexity(15, { perItem: LOADED_OBJECT_COST }),
  })
  items(@Root() purchase: Purchase, @Ctx() ctx: RequestContext) {
    return ctx.loaders.itemsByPurchase.load(purchase.id);
  }

  @FieldResolver(() => Customer, { complexity: loadedObjectComplexity })
  customer(@Root() purchase: Purchase, @Ctx() ctx: RequestContext) {
    return ctx.loaders.customerById.load(purchase.customerId);
  }

  @Authorized<Role>("INGEST")
  @Mutation(() => RecordPurchasePayload, {
    description: "Records a purchase (one transaction). Needs an INGEST or ADMIN key.",
  })
  async recordPurchase(@Arg("input") input: RecordPurchaseInput, @Ctx() ctx: RequestContext) {
    const result = await recordPurchase(ctx.db, input, ctx.now());
    if (result.predictionsVersion !== undefined) {
      // The purchase moved the customer's predictions version, so no read serves predictions made
      // before it; this drops the old entry and scores the predictions it fulfils. The purchase is
      // written already: a failure here is logged, never reported as a failed write (the client
      // would retry and, without an idempotencyKey, record it twice).
      await ctx.predictions.service
        .purchaseRecorded({ ...result.purchase, predictionsVersion: result.predictionsVersion })
        .catch((error: unknown) =>
          ctx.log.error(
            { err: error, purchaseId: result.purchase.id },
            "could not update predictions after a purchase",
          ),
        );
    }
    return result;
  }
}

@Resolver(() => PurchaseItem)
export class PurchaseItemResolver {
  @FieldResolver(() => Product, { complexity: loadedObjectComplexity })
  product(@Root() item: PurchaseItem, @Ctx() ctx: RequestContext) {
    return ctx.loaders.productById.load(item.productId);
  }
}
