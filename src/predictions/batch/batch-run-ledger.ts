// The BatchRun ledger: one row per run of the batch refresh, so that progress can be watched
// (Query.batchRun), a crash resumes where it stopped, and replicas never run two at once.
//
// Claim: start a new run, resume a given one, or join the one another process is running (its
// heartbeat is younger than 2 minutes, or, for a run on the queue, its flow or prepare job is still
// pending). On PostgreSQL the claim holds an advisory lock for its transaction, so two replicas
// starting together cannot both create a run; on SQLite one process owns the file and claims inside
// one process are queued. Every later write names the resumes the run was claimed with (RunWriter), so a process that
// lost its run to another finds out instead of racing it.
import type { DatabaseProvider } from "../../config";
import type { Db } from "../../db/client";
import { InputError } from "../../errors";
import type { Logger } from "../../logger";

/** "partial": a run on the queue ended with chunks that failed for good (the rest were refreshed). */
export type BatchRunStatus = "running" | "succeeded" | "partial" | "failed";
export type BatchRunTrigger = "cli" | "api" | "cron" | "lambda";

/** A BatchRun row. */
export interface BatchRunRecord {
  id: number;
  status: string;
  trigger: string;
  startedAt: Date;
  heartbeatAt: Date;
  finishedAt: Date | null;
  priorsFingerprint: string | null;
  total: number;
  processed: number;
  failed: number;
  cursor: number;
  error: string | null;
  resumes: number;
  pruned: number;
}

/** A running run whose heartbeat is older than this has lost its process. */
export const HEARTBEAT_STALE_MS = 2 * 60_000;
/** How often a working run moves its heartbeat, whatever it is doing (fitting priors included). */
export const HEARTBEAT_INTERVAL_MS = 30_000;

export type ClaimOutcome = "new" | "resumed" | "joined" | "finished";

export interface Claim {
  run: BatchRunRecord;
  outcome: ClaimOutcome;
}

export interface ClaimOptions {
  /** Resume this run; absent: start a new run or join the running one. */
  runId?: number;
  trigger: BatchRunTrigger;
  /**
   * Whether a running run whose heartbeat is stale is still alive elsewhere (its flow or prepare job
   * is pending on the queue): then it is joined, never resumed or abandoned. Absent: only the heartbeat counts.
   */
  alive?: (run: BatchRunRecord) => Promise<boolean>;
}

/**
 * Starts a run (`runId` absent), takes up a stale one (`runId`), or finds that there is nothing to do:
 * another process's run is live ("joined") or the run has finished ("finished").
 */
export async function claimBatchRun(
  deps: { db: Db; provider: DatabaseProvider },
  options: ClaimOptions,
): Promise<Claim> {
  const { db } = deps;
  const postgres = deps.provider === "postgresql";
  // Counted before the claim's transaction, so the advisory lock is held for milliseconds only.
  const total = options.runId === undefined ? await countCustomersWithPurchases(db) : 0;
  const live = async (run: BatchRunRecord, now: Date) =>
    isLive(run, now) || ((await options.alive?.(run)) ?? false);
  return queued(db, () =>
    db.$transaction(
      async (tx) => {
        if (postgres)
          await tx.$queryRaw`SELECT pg_advisory_xact_lock(${BATCH_RUN_LOCK}::bigint)::text AS "locked"`;
        const now = new Date();
        if (options.runId !== undefined) {
          const run = await tx.batchRun.findUnique({ where: { id: options.runId } });
          if (!run) throw new InputError(`No batch run with id ${options.runId}`);
          if (run.status !== "running") return { run, outcome: "finished" as const };
          if (await live(run, now)) return { run, outcome: "joined" as const };
          const taken = await tx.batchRun.update({
            where: { id: run.id },
            data: { heartbeatAt: now, resumes: { increment: 1 } },
          });
          return { run: taken, outcome: "resumed" as const };
        }
        const running = await tx.batchRun.findMany({ where: { status: "running" }, orderBy: { id: "desc" } });
        for (const run of running) {
          if (await live(run, now)) return { run, outcome: "joined" as const };
        }
        if (running.length) {
          // Their processes died (or were stopped) long ago: a new run starts over with fresh priors.
          await tx.batchRun.updateMany({
            where: { id: { in: running.map((run) => run.id) }, status: "running" },
            data: {
              status: "failed",
              finishedAt: now,
              error: "abandoned: no heartbeat, superseded by a new run",
            },
          });
        }
        const run = await tx.batchRun.create({
          data: { status: "running", trigger: options.trigger, startedAt: now, heartbeatAt: now, total },
        });
        return { run, outcome: "new" as const };
      },
      { maxWait: 15_000, timeout: 15_000 },
    ),
  );
}

/** This process lost the run to another one (it was considered dead and resumed elsewhere). */
export class RunTakenOver extends Error {
  override name = "RunTakenOver";
}

export type RunUpdate = Parameters<Db["batchRun"]["updateMany"]>[0]["data"];

/**
 * Writes to the run row this process claimed; each write checks the run is still running under the
 * claim (same resumes), and throws RunTakenOver when it is not.
 */
export class RunWriter {
  readonly #db: Db;
  readonly #owner: { id: number; status: "running"; resumes: number };

  constructor(db: Db, run: Pick<BatchRunRecord, "id" | "resumes">) {
    this.#db = db;
    this.#owner = { id: run.id, status: "running", resumes: run.resumes };
  }

  async write(data: RunUpdate): Promise<void> {
    const { count } = await this.#db.batchRun.updateMany({ where: this.#owner, data });
    if (count === 0) throw new RunTakenOver(`Batch run ${this.#owner.id} was taken over by another process`);
  }

  /**
   * Ends the run failed with why. Never throws: its caller is failing already, so a run that cannot be
   * marked (the database gone, the run taken over) is only logged; its heartbeat then goes stale.
   */
  async fail(error: string, log: Logger): Promise<void> {
    await this.write({ status: "failed", finishedAt: new Date(), error }).catch((e: unknown) =>
      log.error({ err: e, runId: this.#owner.id }, "could not mark the batch run failed"),
    );
  }

  /**
   * Moves the heartbeat every HEARTBEAT_INTERVAL_MS until the returned function is called (failures
   * are reported to `onError`, the ticks go on).
   */
  beat(onError: (error: unknown) => void): () => void {
    const timer = setInterval(() => {
      this.write({ heartbeatAt: new Date() }).catch(onError);
    }, HEARTBEAT_INTERVAL_MS);
    timer.unref();
    return () => clearInterval(timer);
  }
}

/**
 * The newest run still marked running whose heartbeat is stale (its process died or was stopped):
 * what `npm run refresh` resumes by default.
 */
export async function latestUnfinishedRun(db: Db, now = new Date()): Promise<BatchRunRecord | undefined> {
  const run = await db.batchRun.findFirst({ where: { status: "running" }, orderBy: { id: "desc" } });
  return run && !isLive(run, now) ? run : undefined;
}

/** The run with that id, or undefined. */
export async function findBatchRun(db: Db, id: number): Promise<BatchRunRecord | undefined> {
  return (await db.batchRun.findUnique({ where: { id } })) ?? undefined;
}

/** The newest runs first, at most `first` of them. */
export async function recentBatchRuns(db: Db, first: number): Promise<BatchRunRecord[]> {
  return db.batchRun.findMany({ orderBy: { id: "desc" }, take: first });
}

/** Progress from 0 to 1 (customers done / customers with purchases at the start; 1 once succeeded). */
export function runProgress(run: Pick<BatchRunRecord, "status" | "total" | "processed">): number {
  if (run.status === "succeeded") return 1;
  if (run.total <= 0) return 0;
  return Math.min(1, run.processed / run.total);
}

export function isLive(run: Pick<BatchRunRecord, "heartbeatAt">, now: Date): boolean {
  return now.getTime() - run.heartbeatAt.getTime() < HEARTBEAT_STALE_MS;
}

export async function countCustomersWithPurchases(db: Db): Promise<number> {
  const [row] = await db.$queryRaw<Array<{ n: number | bigint }>>`
    SELECT COUNT(*) AS "n" FROM "Customer" c
    WHERE EXISTS (SELECT 1 FROM "Purchase" p WHERE p."customerId" = c."id")`;
  return Number(row?.n ?? 0);
}

// ---- private helpers ----

/** pg_advisory_xact_lock key of the claim ("cai batch run"); Prisma's migrations use 72707369. */
const BATCH_RUN_LOCK = 4_242_105_017;

/** Claims inside one process go one after another (SQLite has no advisory locks). */
const claimQueues = new WeakMap<object, Promise<unknown>>();

function queued<T>(db: Db, work: () => Promise<T>): Promise<T> {
  const previous = claimQueues.get(db) ?? Promise.resolve();
  const next = previous.then(work, work);
  claimQueues.set(
    db,
    next.catch(() => {}),
  );
  return next;
}
