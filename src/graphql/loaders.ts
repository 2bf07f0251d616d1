import { customerByIdLoader } from "../customers/loaders";
import type { Db } from "../db/client";
import { predictionsByCustomerLoader } from "../predictions/serving/loaders";
import type { PredictionService } from "../predictions/serving/prediction-service";
import { productByIdLoader } from "../products/loaders";
import { itemsByPurchaseLoader, latestPurchasesLoader } from "../purchases/loaders";

/** Every DataLoader a request may use; created per request so nothing is shared between callers. */
export function createLoaders(db: Db, predictions: PredictionService) {
  return {
    customerById: customerByIdLoader(db),
    productById: productByIdLoader(db),
    latestPurchases: latestPurchasesLoader(db),
    itemsByPurchase: itemsByPurchaseLoader(db),
    predictionsByCustomer: predictionsByCustomerLoader(predictions),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
