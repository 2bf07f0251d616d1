// The population priors a batch run predicts with: fitted at its start (or the newest stored ones,
// when asked), then pinned by fingerprint on the run row, so a resumed run and every chunk of a run on
// the queue predict with the same priors wherever they execute.
import type { PopulationPriors } from "../../analysis/contract";
import type { DatabaseProvider } from "../../config";
import type { Db } from "../../db/client";
import type { Logger } from "../../logger";
import { fitAndStorePriors, latestPriors } from "../store/priors-store";

export interface RunPriorsOptions {
  /** Fit new priors (default true); false uses the newest stored ones. */
  fitPriors?: boolean;
  /** Called after each customer the fit reads (it may throw to stop the fit). */
  onCustomer?: (customers: number) => void;
}

/**
 * The run's priors: the ones its row names (a resumed run), else freshly fitted and stored, else the
 * newest stored.
 *
 * @throws when the row names priors no longer stored, or none are stored and fitting was refused.
 */
export async function priorsForRun(
  deps: { db: Db; provider: DatabaseProvider; timeZone: string; log: Logger },
  run: { id: number; priorsFingerprint: string | null },
  options: RunPriorsOptions = {},
): Promise<PopulationPriors> {
  const { db, log } = deps;
  if (run.priorsFingerprint) return priorsByFingerprint(db, run.priorsFingerprint);
  if (options.fitPriors ?? true) {
    const stored = await fitAndStorePriors(db, deps.provider, {
      timeZone: deps.timeZone,
      ...(options.onCustomer ? { onCustomer: options.onCustomer } : {}),
    });
    log.info(
      { runId: run.id, customers: stored.customers, fingerprint: stored.priors.fingerprint },
      "priors fitted",
    );
    return stored.priors;
  }
  const stored = await latestPriors(db);
  if (!stored) throw new Error("No population priors are stored yet: run once with priors fitting");
  return stored.priors;
}

/** The stored priors with that fingerprint. */
export async function priorsByFingerprint(db: Db, fingerprint: string): Promise<PopulationPriors> {
  const row = await db.populationPriors.findUnique({ where: { fingerprint } });
  if (!row) throw new Error(`The run's priors ${fingerprint} are no longer stored: start a new run`);
  return JSON.parse(row.data) as PopulationPriors;
}
