// BEDROCK_CALLS_PER_MINUTE: how many calls may go to Bedrock per minute. With REDIS_URL the count is
// kept in Redis, so every process (API replicas and refresh workers alike) draws from one allowance;
// without it each process has its own. A call that finds the minute's allowance spent waits for the
// next minute up to its wait budget (workers: minutes; API requests: none, they fall back to
// statistics at once), then gives up. When the count cannot be read (Redis down) the call is not made:
// a limit that cannot be checked is treated as reached, like the budget.
import { setTimeout as sleep } from "node:timers/promises";
import Redis from "ioredis";
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from "rate-limiter-flexible";
import type { Logger } from "../logger";

export interface CallRate {
  /** Takes one call from the allowance, waiting at most `maxWaitMs`; false when none could be had. */
  take(maxWaitMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export interface CallRateOptions {
  callsPerMinute: number;
  /** Shared by every process on this Redis; absent → this process alone. */
  redisUrl?: string;
  /** Prefix of the Redis key (the deployment's CACHE_NAMESPACE). */
  namespace: string;
  log: Logger;
  /** Tests: the window instead of a minute, in whole seconds (the allowance is callsPerMinute per window). */
  windowMs?: number;
}

/** The configured allowance, or undefined for no limit (0). */
export function createCallRate(options: CallRateOptions): CallRate | undefined {
  if (options.callsPerMinute <= 0) return undefined;
  const windowSeconds = (options.windowMs ?? 60_000) / 1000;
  if (!options.redisUrl) {
    return new LimiterCallRate(
      new RateLimiterMemory({ points: options.callsPerMinute, duration: windowSeconds }),
      options.log,
    );
  }
  const client = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on("error", () => {}); // reported by the calls that fail
  const limiter = new RateLimiterRedis({
    storeClient: client,
    keyPrefix: `${options.namespace}:bedrock-calls`,
    points: options.callsPerMinute,
    duration: windowSeconds,
  });
  return new LimiterCallRate(limiter, options.log, async () => {
    await client.quit().catch(() => client.disconnect());
  });
}

// ---- private helpers ----

class LimiterCallRate implements CallRate {
  #unreadableLogged = false;

  constructor(
    private readonly limiter: RateLimiterAbstract,
    private readonly log: Logger,
    private readonly closeStore: () => Promise<void> = async () => {},
  ) {}

  async take(maxWaitMs: number): Promise<boolean> {
    const deadline = Date.now() + maxWaitMs;
    for (;;) {
      try {
        await this.limiter.consume(KEY, 1);
        this.#unreadableLogged = false;
        return true;
      } catch (refusal) {
        if (!(refusal instanceof RateLimiterRes)) {
          if (!this.#unreadableLogged)
            this.log.error({ err: refusal }, "BEDROCK_CALLS_PER_MINUTE could not be checked: no call");
          this.#unreadableLogged = true;
          return false;
        }
        // Everyone waiting wakes at the window's turn; a little spread keeps them from arriving at once.
        const wait = refusal.msBeforeNext + Math.floor(Math.random() * 50);
        if (Date.now() + wait > deadline) return false;
        await sleep(wait);
      }
    }
  }

  close(): Promise<void> {
    return this.closeStore();
  }
}

const KEY = "all";
