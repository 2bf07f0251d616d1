// The batch refresh with progress bars, as `npm run refresh` and `npm run demo` show it: one bar
// while the priors are fitted, then one for the customers, whose rate is measured from the first
// customer on, like the summary's customers/s. The same bars follow a run on the queue (its progress
// read from its flow).
import {
  type BatchProgress,
  type BatchRefreshDeps,
  type BatchRefreshOptions,
  type BatchRefreshSummary,
  runBatchRefresh,
} from "../../predictions/batch/batch-refresh";
import { createProgress, type Progress } from "./progress";

export async function refreshWithProgress(
  deps: BatchRefreshDeps,
  options: Omit<BatchRefreshOptions, "onProgress">,
  { enabled = true }: { enabled?: boolean } = {},
): Promise<BatchRefreshSummary> {
  const bars = refreshBars(enabled);
  try {
    return await runBatchRefresh(deps, { ...options, onProgress: bars.show });
  } finally {
    bars.stop();
  }
}

/** Bars fed by BatchProgress reports: `show` each report, `stop` once at the end. */
export function refreshBars(enabled: boolean): { show(progress: BatchProgress): void; stop(): void } {
  let priorsBar: Progress | undefined;
  let customersBar: Progress | undefined;
  let processedBefore = 0;
  return {
    show(progress) {
      if (progress.phase === "priors") {
        priorsBar ??= createProgress({ label: "fitting priors", unit: "customers", enabled });
        priorsBar.update(progress.customers);
        return;
      }
      if (!customersBar) {
        priorsBar?.stop();
        priorsBar = undefined;
        // A resumed run starts part-way: the share counts everything, the rate only this call.
        processedBefore = progress.processed;
        customersBar = createProgress({
          label: "predicting",
          total: progress.total,
          unit: "customers",
          enabled,
        });
      }
      customersBar.update(progress.processed, progress.processed - processedBefore);
    },
    stop() {
      priorsBar?.stop();
      customersBar?.stop();
    },
  };
}
