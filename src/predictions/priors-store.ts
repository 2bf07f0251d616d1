// Population priors in the database (PopulationPriors table): fitted by the batch job from every
// customer's history, read by every API replica. The newest row is the one in force; replicas notice
// a new one within `recheckMs` (AnalyzerSource), and because the analyzer's version carries the
// priors' fingerprint, cached predictions made with older priors are simply never read again.
import type { Analyzer, PopulationPriors } from "../analysis/contract";
import { PriorsBuilder } from "../analysis/priors";
import { StatisticalAnalyzer } from "../analysis/statistical-analyzer";
import { calibrateWindow } from "../analysis/window-calibration";
import type { Db } from "../db/client";
import type { Logger } from "../logger";
import { iterateHistories } from "./history-source";

export interface StoredPriors {
  priors: PopulationPriors;
  /** Customers the fit saw. */
  customers: number;
  computedAt: Date;
}

/** The priors in force (the newest stored), or undefined before the first fit. */
export async function latestPriors(db: Db): Promise<StoredPriors | undefined> {
  const row = await db.populationPriors.findFirst({ orderBy: [{ computedAt: "desc" }, { id: "desc" }] });
  if (!row) return undefined;
  const priors = JSON.parse(row.data) as PopulationPriors;
  if (priors.format !== 1 || priors.fingerprint !== row.fingerprint) {
    throw new Error(
      `PopulationPriors ${row.id}: expected format 1 with fingerprint ${row.fingerprint}, ` +
        `got format ${String(priors.format)} with fingerprint ${String(priors.fingerprint)}`,
    );
  }
  return { priors, customers: row.customers, computedAt: row.computedAt };
}

export interface FitPriorsOptions {
  timeZone: string;
  /** Called after each customer read (for progress bars). */
  onCustomer?: (customersSoFar: number) => void;
}

/**
 * Fits priors on every customer's whole history (memory-bounded: histories are read a chunk at a
 * time and only a fixed-size sample is kept) and stores them as the priors in force. Fitting the
 * same data again stores nothing new: the fingerprint is the same, only computedAt moves.
 */
export async function fitAndStorePriors(db: Db, options: FitPriorsOptions): Promise<StoredPriors> {
  const builder = new PriorsBuilder({ timeZone: options.timeZone });
  for await (const history of iterateHistories(db, { purchasesPerCustomer: Number.POSITIVE_INFINITY })) {
    builder.add(history);
    options.onCustomer?.(builder.customers);
  }
  const customers = builder.customers;
  const priors = calibrateWindow(builder.build(), builder.sample(), { timeZone: options.timeZone });
  const computedAt = new Date();
  await db.populationPriors.upsert({
    where: { fingerprint: priors.fingerprint },
    create: { fingerprint: priors.fingerprint, data: JSON.stringify(priors), customers, computedAt },
    update: { customers, computedAt },
  });
  return { priors, customers, computedAt };
}

export interface AnalyzerSourceOptions {
  timeZone: string;
  /** How often to look for newer priors (default 60 s). */
  recheckMs?: number;
  log: Logger;
  /** Fit priors when none are stored (default true; the first request then waits for the fit). */
  fitWhenMissing?: boolean;
}

/**
 * The statistical analyzer over the priors in force, shared by every request of a process.
 *
 * @example
 *   const analyzers = new AnalyzerSource(db, { timeZone: "UTC", log });
 *   const analyzer = await analyzers.current(); // statistical@1.0.0/priors:…
 */
export class AnalyzerSource {
  readonly #db: Db;
  readonly #options: AnalyzerSourceOptions;
  #analyzer: Promise<StatisticalAnalyzer> | undefined;
  #checkedAt = 0;
  #rechecking = false;

  constructor(db: Db, options: AnalyzerSourceOptions) {
    this.#db = db;
    this.#options = options;
  }

  /**
   * The analyzer to use now. Rechecks the stored priors in the background at most every recheckMs,
   * so requests never wait for that check (only the very first call waits for the load).
   */
  current(): Promise<Analyzer> {
    if (!this.#analyzer) {
      this.#checkedAt = Date.now();
      const loading = this.#load();
      this.#analyzer = loading;
      // A failed first load is retried by the next caller instead of being remembered.
      loading.catch(() => {
        if (this.#analyzer === loading) this.#analyzer = undefined;
      });
      return loading;
    }
    if (Date.now() - this.#checkedAt >= (this.#options.recheckMs ?? 60_000)) this.#recheck();
    return this.#analyzer;
  }

  /** Switches to the given priors at once (the batch job calls this after storing new ones). */
  use(priors: PopulationPriors): StatisticalAnalyzer {
    const analyzer = new StatisticalAnalyzer(priors, { timeZone: this.#options.timeZone });
    this.#analyzer = Promise.resolve(analyzer);
    this.#checkedAt = Date.now();
    return analyzer;
  }

  async #load(): Promise<StatisticalAnalyzer> {
    let stored = await latestPriors(this.#db);
    if (!stored && this.#options.fitWhenMissing !== false) {
      this.#options.log.info("no population priors stored yet: fitting them from the database");
      stored = await fitAndStorePriors(this.#db, { timeZone: this.#options.timeZone });
      this.#options.log.info(
        { customers: stored.customers, fingerprint: stored.priors.fingerprint },
        "population priors fitted",
      );
    }
    if (!stored) throw new Error("no population priors stored: run `npm run refresh` first");
    return new StatisticalAnalyzer(stored.priors, { timeZone: this.#options.timeZone });
  }

  #recheck(): void {
    if (this.#rechecking) return;
    this.#rechecking = true;
    this.#checkedAt = Date.now();
    latestPriors(this.#db)
      .then(async (stored) => {
        const current = await this.#analyzer;
        if (stored && current && stored.priors.fingerprint !== current.priors.fingerprint) {
          this.use(stored.priors);
          this.#options.log.info(
            { fingerprint: stored.priors.fingerprint },
            "newer population priors in use",
          );
        }
      })
      .catch((error: unknown) => this.#options.log.warn({ err: error }, "could not check for newer priors"))
      .finally(() => {
        this.#rechecking = false;
      });
  }
}
