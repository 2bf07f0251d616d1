// Phase "naive" (issue 7 row 3): the naive reference (bench/naive/naive-server.ts: SDL + plain
// resolvers, one Prisma history read and one analyzer call per customer on every request, no
// DataLoader, no cache) on the same database, with the same query over the same rotation of pages.
// Before anything is measured, one page is checked to be the same on both servers (categories, dates,
// confidence to 1e-9); a difference fails the bench.
import { startNaiveServer } from "../naive/naive-server";
import { graphql, loadTest, PAGE_QUERY, PAGE_SIZE, type PageData } from "../support/serving-harness";
import { type MeasuredPhase, onQueryOf, type ServingContext, type SqlCounter, sqlCounter } from "./context";

/** A naive page at 20 clients can take seconds: autocannon's 10 s default would count it as failed. */
const REQUEST_TIMEOUT_S = 120;

export interface NaiveReference {
  url: string;
  sql: SqlCounter;
  /** The page compared on both servers. */
  checked: { page: number; customers: number; predictions: number };
}

export interface NaiveRun {
  load: MeasuredPhase;
  statements5: number;
  statements50: number;
}

/** Starts the naive server (stopped by the context's clean-ups) and checks it answers as ours does. */
export async function startNaiveReference(ctx: ServingContext, sql = sqlCounter()): Promise<NaiveReference> {
  const { api, pages, progress } = ctx;
  const naive = await startNaiveServer({ databaseUrl: ctx.target.url, onQuery: onQueryOf(sql) });
  ctx.cleanups.push(() => naive.stop());
  progress("naive: checking that both servers answer the same …");
  const index = Math.min(1, pages.length - 1);
  const variables = { first: PAGE_SIZE, after: pages[index]!.after };
  await ctx.clearCache();
  const ours = await graphql<PageData>(api.url, api.headers, PAGE_QUERY, variables);
  const theirs = await graphql<PageData>(naive.url, api.headers, PAGE_QUERY, variables);
  const checked = { page: index + 1, ...compareAnswers(ours, theirs) };
  progress(`naive: same answer (${checked.customers} customers, ${checked.predictions} predictions)`);
  return { url: naive.url, sql, checked };
}

export async function naiveRun(
  ctx: ServingContext,
  naive: NaiveReference,
  run: number,
  label: string,
): Promise<NaiveRun> {
  const { options } = ctx;
  const statements5 = (await ctx.statementsOf(naive.url, naive.sql, 5, 2)).length;
  const statements50 = (await ctx.statementsOf(naive.url, naive.sql, PAGE_SIZE, 3)).length;
  ctx.progress(`${label}: naive (${options.connections} clients, ${options.duration} s) …`);
  const load = await ctx.measure(
    run,
    "naive",
    () =>
      loadTest({
        url: naive.url,
        headers: ctx.api.headers,
        connections: options.connections,
        duration: options.duration,
        bodies: ctx.bodies,
        timeout: REQUEST_TIMEOUT_S,
      }),
    naive.sql,
  );
  return { load, statements5, statements50 };
}

// ---- correctness ----

/**
 * Throws unless both answers list the same customers in the same order, each with the same set of
 * categories and, per category, equal dates and a confidence equal to 1e-9.
 */
function compareAnswers(ours: PageData, naive: PageData): { customers: number; predictions: number } {
  const a = ours.customers.edges.map((e) => e.node);
  const b = naive.customers.edges.map((e) => e.node);
  const problems: string[] = [];
  if (a.map((n) => n.id).join() !== b.map((n) => n.id).join()) {
    problems.push(
      `customers differ: ours [${a.map((n) => n.id).join()}], naive [${b.map((n) => n.id).join()}]`,
    );
  }
  let predictions = 0;
  for (const [i, mine] of a.entries()) {
    const theirs = b[i];
    if (!theirs || theirs.id !== mine.id) continue;
    const byCategory = new Map(theirs.predictions.map((p) => [p.category, p]));
    const categories = (list: typeof mine.predictions) => [...list.map((p) => p.category)].sort().join("|");
    if (
      categories(mine.predictions) !== categories(theirs.predictions) ||
      byCategory.size !== theirs.predictions.length
    ) {
      problems.push(
        `customer ${mine.id}: categories differ: ours ${mine.predictions.length}, naive ${theirs.predictions.length}`,
      );
      continue;
    }
    for (const p of mine.predictions) {
      const q = byCategory.get(p.category)!;
      predictions++;
      for (const field of ["nextPurchaseAt", "windowStart", "windowEnd"] as const) {
        if (Date.parse(p[field]) !== Date.parse(q[field])) {
          problems.push(`customer ${mine.id}, ${p.category}: ${field} ours ${p[field]}, naive ${q[field]}`);
        }
      }
      if (!(Math.abs(p.confidence - q.confidence) <= 1e-9)) {
        problems.push(
          `customer ${mine.id}, ${p.category}: confidence ours ${p.confidence}, naive ${q.confidence}`,
        );
      }
    }
  }
  if (!a.length || !predictions)
    problems.push(`nothing to compare (${a.length} customers, ${predictions} predictions)`);
  if (problems.length) {
    throw new Error(
      `the two servers disagree (${problems.length} differences):\n  ${problems.slice(0, 20).join("\n  ")}`,
    );
  }
  return { customers: a.length, predictions };
}
