// REFRESH_CRON: the API server starting the batch refresh itself on a cron schedule (croner), e.g.
// "0 3 * * *" for 03:00 every day in TIME_ZONE. A tick that comes while the previous refresh is still
// going is skipped, never queued; a failed refresh is logged and the schedule goes on. With several
// replicas every one of them ticks, and the BatchRun claim lets only one run (the others join it).
import { Cron } from "croner";
import type { Logger } from "../../logger";

export interface RefreshScheduleOptions {
  /** A cron expression croner reads (5 fields, or 6 with seconds first); validated by loadConfig. */
  cron: string;
  /** Starts one refresh; the schedule waits for it before the next tick may start another. */
  start: () => Promise<unknown>;
  log: Logger;
  /** The zone the expression's hours are read in (default: the process's). */
  timeZone?: string;
}

export interface RefreshSchedule {
  /** When the next tick is due (null when the expression never fires again). */
  nextRun(): Date | null;
  /** Cancels the coming ticks; a refresh already started goes on (the batch runner stops those). */
  stop(): void;
}

/**
 * @example
 *   const schedule = scheduleRefresh({ cron: "0 3 * * *", timeZone: "UTC", log, start: () => runner.start("cron") });
 *   schedule.stop();
 */
export function scheduleRefresh({ cron, start, log, timeZone }: RefreshScheduleOptions): RefreshSchedule {
  let running = false;
  const job = new Cron(cron, { ...(timeZone ? { timezone: timeZone } : {}), unref: true }, async () => {
    if (running) {
      log.warn({ cron }, "scheduled refresh skipped: the previous one is still running");
      return;
    }
    running = true;
    try {
      log.info({ cron }, "scheduled refresh starting");
      await start();
    } catch (error) {
      log.error({ err: error, cron }, "scheduled refresh failed");
    } finally {
      running = false;
    }
  });
  log.info({ cron, timeZone, next: job.nextRun()?.toISOString() }, "refresh scheduled");
  return {
    nextRun: () => job.nextRun(),
    stop: () => job.stop(),
  };
}
