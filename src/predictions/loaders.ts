import DataLoader from "dataloader";
import { LOADER_OPTIONS } from "../graphql/loader-support";
import type { ServedPredictions } from "./customer-predictions";
import type { PredictionService } from "./prediction-service";

/**
 * Each customer's predictions: one PredictionService call per batch, so a page of customers costs
 * one cache getMany and, for the cold ones, one history read and one analyzer call.
 */
export function predictionsByCustomerLoader(service: PredictionService) {
  return new DataLoader<number, ServedPredictions>(
    (customerIds) => service.forCustomers(customerIds),
    LOADER_OPTIONS,
  );
}
