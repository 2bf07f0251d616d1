// Phase "serving" (issue 5, issue 7 rows 1–2): this server over pages of 50 customers.
//   warm: the rotation's pages already in the prediction cache, C clients (autocannon) for S seconds;
//   cold: the cache emptied, every page asked for once, by 1 client and by C clients;
//   SQL statements of one warm and one cold request at first: 5 and first: 50.
import { coldRound, loadTest, PAGE_SIZE, settle, shorten } from "../support/serving-harness";
import type { MeasuredPhase, ServingContext } from "./context";

export interface ServingRun {
  /** `recomputed`: warm requests whose cache read did not answer, so their page was computed. */
  warm: MeasuredPhase & { recomputed: number };
  cold1: MeasuredPhase;
  coldConcurrent: MeasuredPhase;
  statements: { warm5: number; warm50: number; cold5: number; cold50: number };
  /** The statements of the cold first: 50 request, shortened. */
  coldStatements: string[];
}

/** The settle wait's limit (ms): a warm phase's queued requests take far less. */
const SETTLE_MAX_MS = 60_000;

export async function servingRun(ctx: ServingContext, run: number, label: string): Promise<ServingRun> {
  const { api, sql, pages, options, progress } = ctx;
  const { connections, duration } = options;
  progress(`${label}: ours, warm (${connections} clients, ${duration} s) …`);
  await ctx.clearCache();
  await ctx.warmRotation();
  const readsBeforeWarm = sql.historyReads;
  const warmLoad = await ctx.measure(run, "warm", () =>
    loadTest({ url: api.url, headers: api.headers, connections, duration, bodies: ctx.bodies }),
  );
  // Cleared too early, the cache would be refilled by queued requests and the next round not be cold.
  await settle(() => sql.statements, SETTLE_MAX_MS);
  const warm = { ...warmLoad, recomputed: sql.historyReads - readsBeforeWarm };

  /** One cold round, checked: every page computed exactly once (one history read each). */
  const cold = async (name: string, clients: number) => {
    await ctx.clearCache();
    const readsBefore = sql.historyReads;
    let failures = 0;
    const result = await ctx.measure(run, name, () =>
      coldRound(api.url, api.headers, pages, clients, (status, text) => {
        if (++failures === 1) progress(`a cold request failed (${status}): ${text.slice(0, 300)}`);
      }),
    );
    const reads = sql.historyReads - readsBefore;
    if (reads > pages.length || reads < pages.length - result.failed) {
      throw new Error(`cold round: expected ${pages.length} history reads (one per page), saw ${reads}`);
    }
    return result;
  };
  progress(`${label}: ours, cold, ${pages.length} pages, 1 client …`);
  const cold1 = await cold("cold-1-client", 1);
  progress(`${label}: ours, cold, ${pages.length} pages, ${connections} clients …`);
  const coldConcurrent = await cold(`cold-${connections}-clients`, connections);

  const count = (first: number, i: number) => ctx.statementsOf(api.url, sql, first, i);
  await ctx.clearCache();
  const cold5 = await count(5, 2);
  const warm5 = await count(5, 2);
  await ctx.clearCache();
  const cold50 = await count(PAGE_SIZE, 3);
  const warm50 = await count(PAGE_SIZE, 3);
  return {
    warm,
    cold1,
    coldConcurrent,
    statements: { warm5: warm5.length, warm50: warm50.length, cold5: cold5.length, cold50: cold50.length },
    coldStatements: cold50.map(shorten),
  };
}
