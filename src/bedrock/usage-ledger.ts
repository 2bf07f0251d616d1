// What Bedrock costs: every call's tokens and price (AiUsage table), every fallback to statistics by
// reason (AiFallback table), and the month's spend the budget is checked against.
import type { Db } from "../db/client";

/** Why a customer got statistical predictions instead of Claude's. */
export type FallbackReason =
  | "budget"
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

/** The store behind the budget and Query.aiUsage (a Prisma one in production, in-memory in tests). */
export interface UsageLedger {
  recordCall(call: CallRecord): Promise<void>;
  recordFallback(at: Date, reason: FallbackReason): Promise<void>;
  /** USD spent on calls in the month ("YYYY-MM", UTC). */
  monthSpendUsd(month: string): Promise<number>;
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

/** The ledger in the database. */
export class DatabaseUsageLedger implements UsageLedger {
  constructor(private readonly db: Db) {}

  async recordCall(call: CallRecord): Promise<void> {
    await this.db.aiUsage.create({
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
  }

  async recordFallback(at: Date, reason: FallbackReason): Promise<void> {
    const month = monthOf(at);
    await this.db.aiFallback.upsert({
      where: { month_reason: { month, reason } },
      create: { month, reason, count: 1 },
      update: { count: { increment: 1 } },
    });
  }

  async monthSpendUsd(month: string): Promise<number> {
    const sum = await this.db.aiUsage.aggregate({ where: { month }, _sum: { costUsd: true } });
    return sum._sum.costUsd ?? 0;
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
}
