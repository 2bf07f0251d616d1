// One chunk of the batch refresh: the customers with purchases of an id range, recomputed and stored
// as their current predictions. The same function serves the in-process refresh, the queue's chunk
// jobs (src/predictions/batch/queue/) and the Lambda handler. Refreshing a customer again stores an
// equal result and supersedes the previous set, so a chunk that runs twice does no harm.
import { ConstantBackoff, handleType, retry } from "cockatiel";
import type { Db } from "../../db/client";
import type { Logger } from "../../logger";
import { PredictionFailure } from "../customer-predictions";
import type { PredictionService } from "../serving/prediction-service";

export interface ChunkOutcome {
  refreshed: number[];
  failed: number[];
  /** The last error, when any customer failed. */
  error?: string;
}

/**
 * Refreshes customers with the service; the customers it could not refresh (a call that throws: all
 * of them) are tried once more, then reported as failed (with the last error) instead of throwing.
 * One customer's failure never counts another as failed.
 */
export async function refreshWithRetry(
  service: Pick<PredictionService, "refresh">,
  ids: readonly number[],
  log: Logger,
): Promise<ChunkOutcome> {
  let pending = [...new Set(ids)];
  let error: unknown;
  let attempts = 0;
  try {
    await CHUNK_RETRY.execute(async () => {
      attempts++;
      try {
        const failures = (await service.refresh(pending)).filter((r) => r instanceof PredictionFailure);
        pending = failures.map((failure) => failure.customerId);
        error = failures[0];
      } catch (thrown) {
        error = thrown;
      }
      if (!pending.length) return;
      const range = { customers: pending.length, from: pending[0], to: pending[pending.length - 1] };
      if (attempts === 1) log.warn({ err: error, ...range }, "refresh failed: retrying");
      else log.error({ err: error, ...range }, "refresh failed twice: customers counted as failed");
      throw new CustomersLeft();
    });
  } catch (thrown) {
    if (!(thrown instanceof CustomersLeft)) throw thrown;
  }
  const failed = new Set(pending);
  return {
    refreshed: ids.filter((id) => !failed.has(id)),
    failed: pending,
    ...(pending.length ? { error: messageOf(error) } : {}),
  };
}

/** The next `limit` customers with purchases after `after`, in id order (the (customerId, purchasedAt) index answers EXISTS). */
export async function customersWithPurchasesAfter(db: Db, after: number, limit: number): Promise<number[]> {
  const rows = await db.$queryRaw<Array<{ id: number | bigint }>>`
    SELECT c."id" FROM "Customer" c
    WHERE c."id" > ${after} AND EXISTS (SELECT 1 FROM "Purchase" p WHERE p."customerId" = c."id")
    ORDER BY c."id" LIMIT ${limit}`;
  return rows.map((row) => Number(row.id));
}

/** The customers with purchases whose ids are in (after, through], in id order. */
export async function customersWithPurchasesIn(db: Db, after: number, through: number): Promise<number[]> {
  const rows = await db.$queryRaw<Array<{ id: number | bigint }>>`
    SELECT c."id" FROM "Customer" c
    WHERE c."id" > ${after} AND c."id" <= ${through}
      AND EXISTS (SELECT 1 FROM "Purchase" p WHERE p."customerId" = c."id")
    ORDER BY c."id"`;
  return rows.map((row) => Number(row.id));
}

export function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 1_000);
}

// ---- private helpers ----

/** Thrown by an attempt that left customers unrefreshed: the retry takes only those again. */
class CustomersLeft extends Error {
  override name = "CustomersLeft";
}

/** One more attempt, a moment later (a lost connection or a lock timeout has time to pass). */
const CHUNK_RETRY = retry(handleType(CustomersLeft), { maxAttempts: 1, backoff: new ConstantBackoff(100) });
