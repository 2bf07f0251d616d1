import { Field, Float, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { DateTime } from "../../graphql/date-time";
import { type BatchRunRecord, runProgress } from "./batch-run-ledger";

export enum BatchRunStatus {
  RUNNING = "RUNNING",
  SUCCEEDED = "SUCCEEDED",
  PARTIAL = "PARTIAL",
  FAILED = "FAILED",
}

registerEnumType(BatchRunStatus, {
  name: "BatchRunStatus",
  description: "Where a batch refresh stands.",
  valuesConfig: {
    RUNNING: { description: "Working, or stopped or crashed and waiting to be resumed." },
    SUCCEEDED: {
      description: "Every customer with purchases was refreshed (some may have failed: see failed).",
    },
    PARTIAL: {
      description:
        "Ended, but chunks of customers failed for good after their retries (run on the queue): their " +
        "customers are counted in failed and keep their previous predictions; error says why.",
    },
    FAILED: { description: "A fatal error (see the server log), or every customer failed." },
  },
});

export enum BatchRunTrigger {
  CLI = "CLI",
  API = "API",
  CRON = "CRON",
  LAMBDA = "LAMBDA",
}

registerEnumType(BatchRunTrigger, {
  name: "BatchRunTrigger",
  description: "What started a batch refresh.",
  valuesConfig: {
    CLI: { description: "npm run refresh" },
    API: { description: "The refreshAllPredictions mutation." },
    CRON: { description: "The server's REFRESH_CRON schedule." },
    LAMBDA: { description: "The AWS Lambda handler." },
  },
});

@ObjectType({
  description:
    "One run of the batch refresh: fits the population priors, then recomputes the predictions of every " +
    "customer with purchases.",
  simpleResolvers: true,
})
export class BatchRun {
  @Field(() => ID)
  id!: number;

  @Field(() => BatchRunStatus)
  status!: BatchRunStatus;

  @Field(() => BatchRunTrigger)
  trigger!: BatchRunTrigger;

  @Field(() => DateTime)
  startedAt!: Date;

  @Field(() => DateTime, { nullable: true, description: "Null while running." })
  finishedAt!: Date | null;

  @Field(() => Int, { description: "Customers with purchases when the run started." })
  total!: number;

  @Field(() => Int, { description: "Customers done so far, failed ones included." })
  processed!: number;

  @Field(() => Int, { description: "Customers whose predictions could not be refreshed." })
  failed!: number;

  @Field(() => Float, { description: "0–1: processed / total (1 once succeeded)." })
  progress!: number;

  @Field(() => String, {
    nullable: true,
    description: "Why the run failed or ended partial, or the last failure of a customer; null when none.",
  })
  error!: string | null;

  static from(row: BatchRunRecord): BatchRun {
    return Object.assign(new BatchRun(), {
      id: row.id,
      status: row.status.toUpperCase() as BatchRunStatus,
      trigger: row.trigger.toUpperCase() as BatchRunTrigger,
      startedAt: row.startedAt,
      finishedAt: row.finishedAt,
      total: row.total,
      processed: row.processed,
      failed: row.failed,
      progress: runProgress(row),
      error: row.error,
    });
  }
}
