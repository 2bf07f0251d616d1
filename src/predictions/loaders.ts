import DataLoader from "dataloader";
import { LOADER_BATCH_SIZE } from "../graphql/loader-support";
import type { ServedPredictions } from "./customer-predictions";
import type { CustomerVersion, PredictionService } from "./prediction-service";

/**
 * Each customer's predictions, by the customer row the request loaded (its id and predictions
 * version): one PredictionService call per batch, so a page of customers costs one cache getMany
 * and, for the cold ones, one history read and one analyzer call.
 */
export function predictionsByCustomerLoader(service: PredictionService) {
  return new DataLoader<CustomerVersion, ServedPredictions, string>(
    (customers) => service.forCustomers(customers),
    {
      maxBatchSize: LOADER_BATCH_SIZE,
      cacheKeyFn: ({ id, predictionsVersion }) => `${id}:${predictionsVersion}`,
    },
  );
}
