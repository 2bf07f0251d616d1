// What Bedrock costs: every call's tokens and price (AiUsage table), every fallback to statistics by
// reason (AiFallback table), and the month's budget account (AiBudget table) that every replica and
// process reserves each call's worst-case cost from before sending it.
import type { Db } from "../db/client";

/** Why a customer got statistical predictions instead of Claude's. */
export type FallbackReason =
  | "budget"
  | "request_limit"
  | "rate_limited"
  | "circuit_open"
  | "throttled"
  | "server_error"
  | "timeout"
  | "network"
  | "rejected"
  | "malformed_output"
  | "missing_tool"
  | "refusal"
  | "truncated";

export interface CallRecord {
  at: Date;
  model: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** "ok", or the failure reason of this attempt. */
  outcome: "ok" | FallbackReason;
  latencyMs: number;
}

/** A call's worst-case cost, set aside from a month's budget until the call ends. */
export interface Reservation {
  /** "YYYY-MM" (UTC) of when it was made: the call is settled against that month. */
  month: string;
  usd: number;
}

/** The store behind the budget and Query.aiUsage. */
export interface UsageLedger {
  /**
   * Sets `usd` aside from the month of `at` if the month's spend plus everything set aside stays
   * within `limitUsd`; undefined (nothing set aside) when it would not.
   */
  reserve(at: Date, usd: number, limitUsd: number): Promise<Reservation | undefined>;
  /** Records a call and, with it, replaces its reservation by its real cost. */
  recordCall(call: CallRecord, reservation?: Reservation): Promise<void>;
  /** Customers served statistics instead of Claude, `count` at once (default 1). */
  recordFallback(at: Date, reason: FallbackReason, count?: number): Promise<void>;
}

export interface MonthUsage {
  month: string;
  calls: number;
  failedCalls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  fallbacks: Array<{ reason: string; count: number }>;
}

/** "YYYY-MM" of an instant, in UTC (budgets are per calendar month, UTC). */
export function monthOf(at: Date): string {
  return at.toISOString().slice(0, 7);
}

/**
 * The ledger in the database. The budget is one AiBudget row per month: a reservation is one
 * conditional UPDATE of it (atomic on both databases, whichever process sends it), and a call's
 * record and settlement are one transaction.
 */
export class DatabaseUsageLedger implements UsageLedger {
  /** Months whose AiBudget row this process knows exists. */
  readonly #opened = new Set<string>();

  constructor(private readonly db: Db) {}

  async reserve(at: Date, usd: number, limitUsd: number): Promise<Reservation | undefined> {
    const month = monthOf(at);
    await this.#open(month);
    const { count } = await this.db.aiBudget.updateMany({
      where: { month, committedUsd: { lte: limitUsd - usd } },
      data: { committedUsd: { increment: usd } },
    });
    return count === 1 ? { month, usd } : undefined;
  }

  async recordCall(call: CallRecord, reservation?: Reservation): Promise<void> {
    const record = this.db.aiUsage.create({
      data: {
        at: call.at,
        month: monthOf(call.at),
        model: call.model,
        inputTokens: call.inputTokens,
        outputTokens: call.outputTokens,
        costUsd: call.costUsd,
        outcome: call.outcome,
        latencyMs: Math.round(call.latencyMs),
      },
    });
    if (!reservation) {
      await record;
      return;
    }
    await this.db.$transaction([
      record,
      this.db.aiBudget.update({
        where: { month: reservation.month },
        data: { committedUsd: { increment: call.costUsd - reservation.usd } },
      }),
    ]);
  }

  async recordFallback(at: Date, reason: FallbackReason, count = 1): Promise<void> {
    const month = monthOf(at);
    await this.db.aiFallback.upsert({
      where: { month_reason: { month, reason } },
      create: { month, reason, count },
      update: { count: { increment: count } },
    });
  }

  /** Everything Query.aiUsage reports for a month. */
  async month(month: string): Promise<MonthUsage> {
    const [all, failed, fallbacks] = await Promise.all([
      this.db.aiUsage.aggregate({
        where: { month },
        _count: { _all: true },
        _sum: { inputTokens: true, outputTokens: true, costUsd: true },
      }),
      this.db.aiUsage.count({ where: { month, outcome: { not: "ok" } } }),
      this.db.aiFallback.findMany({ where: { month }, orderBy: [{ count: "desc" }, { reason: "asc" }] }),
    ]);
    return {
      month,
      calls: all._count._all,
      failedCalls: failed,
      inputTokens: all._sum.inputTokens ?? 0,
      outputTokens: all._sum.outputTokens ?? 0,
      costUsd: all._sum.costUsd ?? 0,
      fallbacks: fallbacks.map(({ reason, count }) => ({ reason, count })),
    };
  }

  /**
   * Creates the month's budget row if it is missing, starting from what the month's recorded calls
   * cost (a deployment upgraded mid-month keeps its spend). Replicas racing here create one row.
   */
  async #open(month: string): Promise<void> {
    if (this.#opened.has(month)) return;
    await this.db.$executeRaw`
      INSERT INTO "AiBudget" ("month", "committedUsd")
      SELECT CAST(${month} AS TEXT), COALESCE(SUM("costUsd"), 0) FROM "AiUsage" WHERE "month" = ${month}
      ON CONFLICT ("month") DO NOTHING`;
    this.#opened.add(month);
  }
}
