// Batch refreshes in the background of a long-lived process (the API server): started by the
// refreshAllPredictions mutation or REFRESH_CRON, one at a time, never tied to a request, stopped on
// shutdown. The server owns one BatchRunner and hands it to resolvers through the request context.
import { TaskCancelledError, TimeoutStrategy, timeout } from "cockatiel";
import type { Logger } from "../../logger";
import { type BatchRefreshDeps, checkOptions, executeClaim } from "./batch-refresh";
import { type BatchRunRecord, type BatchRunTrigger, claimBatchRun, findBatchRun } from "./batch-run-ledger";
import type { RefreshRunner, StartOptions } from "./refresh-runner";

/**
 * Runs batch refreshes in the background: one at a time, errors logged (never unhandled).
 *
 * @example
 *   const runner = new BatchRunner({ db, runtime: predictions, log, provider });
 *   const run = await runner.start("api"); // returns once claimed; the work goes on
 *   await runner.stop();                   // in the server's stop()
 */
export class BatchRunner implements RefreshRunner {
  readonly #deps: BatchRefreshDeps;
  #active: { runId: number; controller: AbortController; done: Promise<void> } | undefined;
  #stopped = false;

  constructor(deps: BatchRefreshDeps) {
    this.#deps = deps;
  }

  /** True while a run this runner started is working. */
  get busy(): boolean {
    return this.#active !== undefined;
  }

  async start(
    trigger: BatchRunTrigger,
    options: StartOptions = {},
    log: Logger = this.#deps.log,
  ): Promise<BatchRunRecord> {
    return (await this.#launch(trigger, options, log)).run;
  }

  /**
   * Like start(), then waits for the run this process started to end (REFRESH_CRON's ticks use it, so
   * a tick never overlaps the previous run). Never rejects: a failed run is logged.
   */
  async run(trigger: BatchRunTrigger, options: StartOptions = {}): Promise<BatchRunRecord> {
    const { run, done } = await this.#launch(trigger, options, this.#deps.log);
    await done;
    return (await findBatchRun(this.#deps.db, run.id)) ?? run;
  }

  /** In process, the row is kept current as chunks are committed. */
  async current(run: BatchRunRecord): Promise<BatchRunRecord> {
    return run;
  }

  async #launch(
    trigger: BatchRunTrigger,
    options: StartOptions,
    log: Logger,
  ): Promise<{ run: BatchRunRecord; done: Promise<void> }> {
    if (this.#stopped) throw new Error("The batch runner is stopped: the server is shutting down");
    const active = this.#active;
    if (active) {
      const run = await findBatchRun(this.#deps.db, active.runId);
      if (run) return { run, done: active.done };
    }
    const started = performance.now();
    checkOptions(options);
    const claim = await claimBatchRun(this.#deps, { trigger });
    if (claim.outcome !== "new" && claim.outcome !== "resumed") {
      return { run: claim.run, done: Promise.resolve() };
    }
    if (this.#stopped || this.#active) {
      // stop() (or another start()) came while claiming: leave the run to be taken up at once.
      await this.#deps.db.batchRun.updateMany({
        where: { id: claim.run.id, status: "running", resumes: claim.run.resumes },
        data: { heartbeatAt: new Date(0) },
      });
      if (this.#stopped || !this.#active) {
        throw new Error("The batch runner is stopped: the server is shutting down");
      }
      return this.#launch(trigger, options, log);
    }
    const controller = new AbortController();
    const deps = { ...this.#deps, log };
    const done = executeClaim(deps, claim, { ...options, trigger, signal: controller.signal }, started)
      .then(
        (summary) => log.info({ batchRun: summary }, "batch refresh ended"),
        (error: unknown) => log.error({ err: error, runId: claim.run.id }, "batch refresh failed"),
      )
      .finally(() => {
        if (this.#active?.runId === claim.run.id) this.#active = undefined;
      });
    this.#active = { runId: claim.run.id, controller, done };
    return { run: claim.run, done };
  }

  /**
   * Stops taking new chunks and waits (up to `timeoutMs`) for the chunks in flight to be committed;
   * the run stays resumable. Later start() calls are refused.
   */
  async stop({ timeoutMs = 15_000 } = {}): Promise<void> {
    this.#stopped = true;
    const active = this.#active;
    if (!active) return;
    active.controller.abort();
    try {
      await timeout(timeoutMs, TimeoutStrategy.Aggressive).execute(() => active.done);
    } catch (error) {
      if (!(error instanceof TaskCancelledError)) throw error;
      this.#deps.log.warn({ runId: active.runId }, "batch refresh still working at shutdown: left to resume");
    }
  }
}
