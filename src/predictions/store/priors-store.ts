// Population priors in the database (PopulationPriors table): fitted by the batch job from every
// customer's history, read by every API replica. The newest row is the one in force; replicas notice
// a new one within `recheckMs` (AnalyzerSource), and because the analyzer's version carries the
// priors' fingerprint, cached predictions made with older priors are simply never read again.
import type { Analyzer, PopulationPriors } from "../../analysis/contract";
import { fitHazard } from "../../analysis/hazard-fit";
import { EMPTY_PRIORS, PriorsBuilder } from "../../analysis/priors";
import { StatisticalAnalyzer } from "../../analysis/statistical-analyzer";
import type { DatabaseProvider } from "../../config";
import type { Db } from "../../db/client";
import type { Logger } from "../../logger";
import { loadRecentHistories } from "./recent-histories";

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
  if (priors.format !== 2 || priors.fingerprint !== row.fingerprint) {
    throw new Error(
      `PopulationPriors ${row.id}: expected format 2 with fingerprint ${row.fingerprint}, ` +
        `got format ${String(priors.format)} with fingerprint ${String(priors.fingerprint)}`,
    );
  }
  return { priors, customers: row.customers, computedAt: row.computedAt };
}

export interface FitPriorsOptions {
  timeZone: string;
  /** Customers whose whole histories the fit reads (default 1,000), spread evenly over the ids. */
  sampleCustomers?: number;
  /** Called after each customer read (for progress bars). */
  onCustomer?: (customersSoFar: number) => void;
}

/** Customers a priors fit reads by default: population statistics, not every customer, are needed. */
export const PRIORS_SAMPLE_CUSTOMERS = 1_000;

/**
 * Fits priors on the histories (newest 365 baskets) of an even sample of the customers (every k-th
 * id, at most `sampleCustomers`) and stores them as the priors in force. Population priors need a large sample,
 * not everyone: this keeps the daily fit's time and memory flat however many customers there are.
 * Fitting the same data again stores nothing new: the fingerprint is the same, only computedAt moves.
 */
export async function fitAndStorePriors(
  db: Db,
  provider: DatabaseProvider,
  options: FitPriorsOptions,
): Promise<StoredPriors> {
  const wanted = options.sampleCustomers ?? PRIORS_SAMPLE_CUSTOMERS;
  // Keep half of what is read for the customer effect and the hazard fit (their cost grows
  // with the sample, their precision hardly beyond a thousand customers).
  const builder = new PriorsBuilder({ timeZone: options.timeZone, sampleSize: Math.ceil(wanted / 2) });
  const step = Math.max(1, Math.ceil((await db.customer.count()) / wanted));
  let after = 0;
  for (;;) {
    const page = await db.customer.findMany({
      where: { id: { gt: after } },
      orderBy: { id: "asc" },
      take: READ_CHUNK * step,
      select: { id: true },
    });
    if (!page.length) break;
    after = page[page.length - 1]!.id;
    const ids = page.filter((_, i) => i % step === 0).map((row) => row.id);
    for (const history of await loadRecentHistories(db, provider, ids, WHOLE_HISTORY)) {
      if (!history.purchases.length) continue;
      builder.add(history);
      options.onCustomer?.(builder.customers);
    }
  }
  const customers = builder.customers;
  const priors = fitHazard(builder.build(), builder.sample(), { timeZone: options.timeZone });
  const computedAt = new Date();
  await db.populationPriors.upsert({
    where: { fingerprint: priors.fingerprint },
    create: { fingerprint: priors.fingerprint, data: JSON.stringify(priors), customers, computedAt },
    update: { customers, computedAt },
  });
  return { priors, customers, computedAt };
}

/** Customers whose histories are read per statement while fitting. */
const READ_CHUNK = 100;
/**
 * Newest baskets per sampled customer: a year of daily trips, years of weekly ones. Long enough for
 * long cadences to show whole, and it bounds the fit's memory however long histories get.
 */
const WHOLE_HISTORY = 365;

export interface AnalyzerSourceOptions {
  timeZone: string;
  provider: DatabaseProvider;
  /** How often to look for newer priors (default 60 s). */
  recheckMs?: number;
  log: Logger;
  /**
   * Fit priors on first need when none are stored and prepare() was not called (default true; the
   * first request then waits for the fit). Servers call prepare() at start-up instead.
   */
  fitWhenMissing?: boolean;
}

/** The priors a prepared source serves with, and where they came from. */
export interface PreparedPriors {
  /** "stored": loaded; "fitted": none were stored, fitted now; "uninformed": nothing to fit on yet. */
  origin: "stored" | "fitted" | "uninformed";
  fingerprint: string;
  /** Customers the priors were fitted on. */
  customers: number;
  seconds: number;
}

/**
 * The statistical analyzer over the priors in force, shared by every request of a process.
 *
 * @example
 *   const analyzers = new AnalyzerSource(db, { timeZone: "UTC", provider: "sqlite", log });
 *   const analyzer = await analyzers.current(); // statistical@1.0.1/priors:…
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

  /**
   * Loads the stored priors, or fits and stores them when there are none and the database has
   * purchases, so that no request ever waits for a fit (the server calls this before it listens).
   * A database without purchases gets the uninformed priors until a refresh stores fitted ones,
   * which the background recheck then picks up.
   */
  async prepare(): Promise<PreparedPriors> {
    const started = performance.now();
    let origin: PreparedPriors["origin"] = "stored";
    let stored = await latestPriors(this.#db);
    if (!stored && (await this.#db.purchase.findFirst({ select: { id: true } }))) {
      origin = "fitted";
      stored = await fitAndStorePriors(this.#db, this.#options.provider, {
        timeZone: this.#options.timeZone,
      });
    }
    const priors = this.use(stored?.priors ?? EMPTY_PRIORS).priors;
    return {
      origin: stored ? origin : "uninformed",
      fingerprint: priors.fingerprint,
      customers: stored?.customers ?? 0,
      seconds: (performance.now() - started) / 1000,
    };
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
      stored = await fitAndStorePriors(this.#db, this.#options.provider, {
        timeZone: this.#options.timeZone,
      });
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
    const before = this.#analyzer;
    latestPriors(this.#db)
      .then(async (stored) => {
        // use() may have switched to newer priors while this read was on its way: keep those.
        if (this.#analyzer !== before) return;
        const current = await before;
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
