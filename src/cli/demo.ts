// npm run demo -- [--customers N] [--data completejourney <dir>]
// The embedded default end to end, serving a complete picture: migrates the SQLite file (or whatever
// DATABASE_URL names); fills an empty database with generated households, or imports a real dataset
// (--data, into its own file ./data/<source>.db unless DATABASE_URL says otherwise, with the
// service's clock set to the day after its last purchase); fits the population priors and computes
// and stores every customer's predictions (the batch refresh, with progress); then says what it
// computed and serves the API on it. Logs go to a file the banner names (warnings also to the
// terminal). Without ADMIN_API_KEYS (outside production) it makes up an admin key for this run.
import path from "node:path";
import { DayClock } from "../analysis/calendar";
import { clockSetTo, dayAfter, type Now } from "../clock";
import { type Config, redactUrl, sqlitePath } from "../config";
import { seedDatabase } from "../datagen/seed";
import type { Db } from "../db/client";
import { createFileLogger } from "../logger";
import type { BatchRefreshSummary } from "../predictions/batch/batch-refresh";
import { dueBefore } from "../predictions/store/prediction-store";
import { type CommandContext, intOption, parseCommandArgs, runCommand, UsageError } from "./support/command";
import {
  formatImportSummary,
  type ImportSource,
  importSource,
  importWithProgress,
} from "./support/import-progress";
import { createProgress } from "./support/progress";
import { refreshWithProgress } from "./support/refresh-progress";
import { commandRuntime, generateApiKey, serveUntilSignal } from "./support/serve";

/** Enough households for every category to have regulars, small enough to generate in seconds. */
const DEMO = { customers: 300, days: 365, seed: 42 };
/** The audience the banner reports and its example asks for: needs due within this many days. */
const DUE_WITHIN_DAYS = 3;

const USAGE = "npm run demo -- [--customers N] [--data completejourney <dir>]";

interface DemoArgs {
  /** Households to generate into an empty database. */
  customers: number;
  /** A dataset to import instead of generating one. */
  data?: { name: string; dir: string; source: ImportSource };
}

runCommand<DemoArgs>({
  usage: USAGE,
  parse: parseDemoArgs,
  // Real data gets its own file (never mixed into the generated demo's) and its own calendar.
  defaultEnv: (args): Record<string, string> =>
    args.data
      ? { DATABASE_URL: `file:./data/${args.data.name}.db`, TIME_ZONE: args.data.source.timeZone }
      : {},
  createLog: (config) => createFileLogger(config, logFile(config)),
  async run(ctx, args) {
    const { config, db, log } = ctx;
    const asOf = args.data ? await importData(ctx, args.data) : await generateIfEmpty(ctx, args.customers);
    const now: Now = asOf ? clockSetTo(asOf, config.predictions.timeZone) : ctx.now;
    const predictions = commandRuntime({ ...ctx, now });
    try {
      process.stderr.write("Fitting the population priors and computing every customer's predictions…\n");
      const refresh = await refreshWithProgress(
        { db: db.prisma, runtime: predictions, log, provider: db.provider },
        { trigger: "cli" },
      );
      const generated =
        config.apiKeys.admin.length === 0 && config.nodeEnv !== "production" ? generateApiKey() : undefined;
      const facts = await gatherFacts(db.prisma, predictions.clock, now(), refresh.priorsFingerprint);
      return await serveUntilSignal(
        { ...ctx, now },
        {
          apiKeys: generated ? { ...config.apiKeys, admin: [generated] } : config.apiKeys,
          predictions,
          banner: (url) =>
            banner({
              url,
              config,
              facts,
              refresh,
              adminKey: generated,
              today: today(config, now, asOf),
            }),
        },
      );
    } finally {
      await predictions.close();
    }
  },
});

// ---- private helpers ----

function parseDemoArgs(argv: string[]): DemoArgs {
  const { values, positionals } = parseCommandArgs(
    { customers: { type: "string" }, data: { type: "string" } },
    argv,
    true,
  );
  const customers = intOption("--customers", values.customers, {
    min: 1,
    max: 100_000,
    fallback: DEMO.customers,
  });
  if (values.data === undefined) {
    if (positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
    return { customers };
  }
  if (values.customers !== undefined)
    throw new UsageError("--customers generates data; --data imports it: not both");
  const source = importSource(values.data);
  const [dir, ...extra] = positionals;
  if (!dir) throw new UsageError(`--data ${values.data}: expected the folder to import it from`);
  if (extra.length) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
  return { customers, data: { name: values.data, dir, source } };
}

/** The "Today" line: the service's date, and why it is that date. */
function today(config: Config, now: Now, dataAsOf: string | undefined): string {
  const calendar = new DayClock(config.predictions.timeZone);
  const why = dataAsOf
    ? "the day after the last purchase: the service's clock is set to it"
    : config.predictions.asOf
      ? "PREDICTIONS_AS_OF"
      : "the real date";
  return `${calendar.format(calendar.dayOf(now()))} (${why}; calendar ${config.predictions.timeZone})`;
}

/** Next to the SQLite file (./data/ for PostgreSQL): where the demo's JSON logs go. */
function logFile(config: Config): string {
  const dir =
    config.databaseProvider === "sqlite"
      ? path.dirname(sqlitePath(config.databaseUrl))
      : path.resolve("data");
  return path.join(dir, "demo.log");
}

/**
 * Imports the dataset (idempotent: a second demo run adds nothing) and returns the day after its last
 * purchase, the service's "today" for it, unless PREDICTIONS_AS_OF names another day.
 */
async function importData(
  { config, db }: CommandContext,
  { name, dir, source }: NonNullable<DemoArgs["data"]>,
): Promise<string | undefined> {
  process.stderr.write(`Importing ${name} from ${dir} into ${redactUrl(config.databaseUrl)}…\n`);
  const summary = await importWithProgress(db.prisma, name, dir, source);
  process.stderr.write(formatImportSummary(name, dir, summary));
  if (config.predictions.asOf) return undefined;
  const last = await db.prisma.purchase.aggregate({ _max: { purchasedAt: true } });
  return last._max.purchasedAt ? dayAfter(last._max.purchasedAt, config.predictions.timeZone) : undefined;
}

/** Generated households ending yesterday (by the service's clock) when the database is empty. */
async function generateIfEmpty({ db, now }: CommandContext, customers: number): Promise<undefined> {
  if ((await db.prisma.customer.count()) > 0) return undefined;
  process.stderr.write(
    `Empty database: generating demo data (${customers} households, ${DEMO.days} days)…\n`,
  );
  const progress = createProgress({ label: "generating", total: customers, unit: "customers" });
  try {
    await seedDatabase(db.prisma, {
      ...DEMO,
      customers,
      end: new Date(now().toISOString().slice(0, 10)),
      onProgress: (done) => progress.update(done),
    });
  } finally {
    progress.stop();
  }
  return undefined;
}

interface Facts {
  customers: number;
  products: number;
  purchases: number;
  first: Date | null;
  last: Date | null;
  /** Current predictions (one per customer and category). */
  predictions: number;
  /** Customers the priors in force were fitted on. */
  priorsCustomers: number;
  /** The category with the most customers due within DUE_WITHIN_DAYS, and how many. */
  due?: { category: string; customers: number };
}

async function gatherFacts(
  db: Db,
  clock: DayClock,
  now: Date,
  priorsFingerprint: string | null,
): Promise<Facts> {
  const current = { supersededAt: null, fulfilledAt: null };
  const [customers, products, purchases, range, predictions, [top], priors] = await Promise.all([
    db.customer.count(),
    db.product.count(),
    db.purchase.count(),
    db.purchase.aggregate({ _min: { purchasedAt: true }, _max: { purchasedAt: true } }),
    db.prediction.count({ where: { supersededAt: null } }),
    db.prediction.groupBy({
      by: ["category"],
      where: { ...current, nextPurchaseAt: { lt: dueBefore(clock, now, DUE_WITHIN_DAYS) } },
      _count: { category: true },
      orderBy: [{ _count: { category: "desc" } }, { category: "asc" }],
      take: 1,
    }),
    priorsFingerprint
      ? db.populationPriors.findUnique({ where: { fingerprint: priorsFingerprint } })
      : Promise.resolve(null),
  ]);
  return {
    customers,
    products,
    purchases,
    first: range._min.purchasedAt,
    last: range._max.purchasedAt,
    predictions,
    priorsCustomers: priors?.customers ?? 0,
    ...(top ? { due: { category: top.category, customers: top._count.category } } : {}),
  };
}

function banner({
  url,
  config,
  facts,
  refresh,
  adminKey,
  today,
}: {
  url: string;
  config: Config;
  facts: Facts;
  refresh: BatchRefreshSummary;
  adminKey: string | undefined;
  today: string;
}): string {
  const n = (value: number) => value.toLocaleString("en-US");
  const calendar = new DayClock(config.predictions.timeZone);
  const day = (date: Date | null) => (date ? calendar.format(calendar.dayOf(date)) : "—");
  const computed =
    refresh.outcome === "joined"
      ? `nothing: another process is refreshing this database (batch run ${refresh.runId})`
      : `population priors fitted on ${n(facts.priorsCustomers)} customers' histories, then ` +
        `${n(facts.predictions)} predictions for ${n(refresh.processed - refresh.failed)} customers` +
        `${refresh.failed ? ` (${n(refresh.failed)} failed: see the log)` : ""}, stored and cached, ` +
        `in ${refresh.seconds.toFixed(1)} s`;
  const due = facts.due
    ? `${n(facts.due.customers)} customers need ${facts.due.category} within ${DUE_WITHIN_DAYS} days`
    : "no customer has a need due within the next days";
  const category = facts.due?.category ?? "FLUID MILK PRODUCTS";
  const curl = (query: string) =>
    `  curl -s ${url} -H 'content-type: application/json' -d '${JSON.stringify({ query })}'`;
  return [
    "",
    `Ready: GraphQL API on ${url}  (open it in a browser for the playground; Ctrl+C stops)`,
    "",
    `  Data       ${n(facts.customers)} customers, ${n(facts.products)} products, ${n(facts.purchases)} purchases from ${day(facts.first)} to ${day(facts.last)}`,
    `  Database   ${redactUrl(config.databaseUrl)}`,
    `  Today      ${today}`,
    `  Computed   ${computed}`,
    `  Due soon   ${due}`,
    ...(adminKey ? [`  Admin key  ${adminKey}  (made up for this run, shown once)`] : []),
    `  Logs       ${logFile(config)}  (JSON; warnings and errors also appear here)`,
    "",
    `Who will buy ${category} in the next ${DUE_WITHIN_DAYS} days? (most likely first)`,
    curl(
      `{ customersDue(category: "${category}", withinDays: ${DUE_WITHIN_DAYS}, first: 3) { edges { node { customer { id name } prediction { probability(withinDays: ${DUE_WITHIN_DAYS}) nextPurchaseAt reason } } } } }`,
    ),
    "What will the first customers need in the next week?",
    curl(
      "{ customers(first: 3) { edges { node { id name predictions(withinDays: 7) { category nextPurchaseAt windowStart windowEnd confidence reason cached } } } } }",
    ),
    "",
  ].join("\n");
}
