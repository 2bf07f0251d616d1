// One event loop serves every request: a few heavy queries executing at once take turns on it with
// everything else, and a light request (GET /healthz, one customer) waits behind a slice of each.
// The gate lets at most `concurrency` queries whose estimated cost reaches `minCost` execute at once
// per process; the others wait their turn without using the loop, for at most `maxWaitMs`, and at
// most `maxQueue` of them (beyond: SERVICE_UNAVAILABLE, HTTP 503, at once).
import { BulkheadRejectedError, bulkhead } from "cockatiel";
import { apiError, ErrorCode } from "./errors";

export interface HeavyQueryGateOptions {
  /** Estimated cost (see query-limits.ts) from which a query is heavy. */
  minCost: number;
  /** Heavy queries executing at once. */
  concurrency: number;
  /** Heavy queries waiting at most; more are refused at once. */
  maxQueue: number;
  /** The longest a heavy query waits for its turn (then refused). */
  maxWaitMs: number;
}

export const DEFAULT_HEAVY_QUERY_GATE: Omit<HeavyQueryGateOptions, "maxWaitMs"> = {
  // A third of the cost ceiling: a page of 100 customers' predictions (68,601) is heavy, the bench's
  // page of 50 (34,301) is not.
  minCost: 50_000,
  concurrency: 1,
  maxQueue: 200,
};

export class HeavyQueryGate {
  private readonly slots;

  constructor(private readonly options: HeavyQueryGateOptions) {
    this.slots = bulkhead(options.concurrency, options.maxQueue);
  }

  /** True when a query of this cost must pass the gate. */
  isHeavy(cost: number): boolean {
    return cost >= this.options.minCost;
  }

  /**
   * Waits for a turn; resolves with the function that ends it (call it exactly once).
   * @throws GraphQLError SERVICE_UNAVAILABLE (503) when the queue is full or the wait too long.
   */
  enter(): Promise<() => void> {
    return new Promise((resolve, reject) => {
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        reject(busy(`no turn within ${this.options.maxWaitMs} ms`));
      }, this.options.maxWaitMs);
      // A wait is no reason to keep the process alive.
      timer.unref();
      this.slots
        .execute(
          () =>
            new Promise<void>((release) => {
              clearTimeout(timer);
              // Its waiter gave up: hand the turn on at once.
              if (timedOut) release();
              else resolve(release);
            }),
        )
        .catch((error: unknown) => {
          clearTimeout(timer);
          reject(
            error instanceof BulkheadRejectedError ? busy(`${this.options.maxQueue} already wait`) : error,
          );
        });
    });
  }
}

function busy(detail: string) {
  return apiError(
    ErrorCode.ServiceUnavailable,
    `Too many heavy queries at once (${detail}): retry later, or ask for smaller pages.`,
    503,
  );
}
