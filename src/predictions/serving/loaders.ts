import DataLoader from "dataloader";
import { LOADER_OPTIONS } from "../../graphql/loader-support";
import type { ServedPredictions } from "../customer-predictions";
import type { CustomerVersion, PredictionService } from "./prediction-service";

/**
 * Each customer's predictions, by the customer row the request loaded (its id and predictions
 * version): one PredictionService call per batch, so a page of customers costs one cache getMany
 * and, for the cold ones, one history read and one analyzer call, all of them within the request's
 * allowance of model calls (BEDROCK_MAX_CALLS_PER_REQUEST).
 */
export function predictionsByCustomerLoader(service: PredictionService) {
  // Shared by every batch of the request: its cap on Claude calls.
  const modelCalls = service.modelCallsForRequest();
  return new DataLoader<CustomerVersion, ServedPredictions, string>(
    (customers) => service.forCustomers(customers, modelCalls ? { modelCalls } : {}),
    {
      ...LOADER_OPTIONS,
      cacheKeyFn: ({ id, predictionsVersion }) => `${id}:${predictionsVersion}`,
    },
  );
}
