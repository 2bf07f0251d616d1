import { customerByIdLoader } from "../customers/loaders";
import type { Db } from "../db/client";
import { productByIdLoader } from "../products/loaders";
import { itemsByPurchaseLoader, latestPurchasesLoader } from "../purchases/loaders";

/** Every DataLoader a request may use; created per request so nothing is shared between callers. */
export function createLoaders(db: Db) {
  return {
    customerById: customerByIdLoader(db),
    productById: productByIdLoader(db),
    latestPurchases: latestPurchasesLoader(db),
    itemsByPurchase: itemsByPurchaseLoader(db),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
