import { Max, Min } from "class-validator";
import {
  Arg,
  Args,
  ArgsType,
  Authorized,
  Ctx,
  Field,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
} from "type-graphql";
import type { Role } from "../../auth/api-keys";
import type { RequestContext } from "../../graphql/context";
import { notFound } from "../../graphql/errors";
import { MAX_PAGE_SIZE } from "../../graphql/pagination";
import { listComplexity } from "../../graphql/query-limits";
import { parseId } from "../../graphql/validation";
import { BatchRun } from "./batch-run.type";
import { findBatchRun, recentBatchRuns } from "./batch-run-ledger";

@ArgsType()
class RecentBatchRunsArgs {
  @Field(() => Int, { defaultValue: 10, description: `How many of the newest runs, 1 to ${MAX_PAGE_SIZE}.` })
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  first = 10;
}

@Resolver(() => BatchRun)
export class BatchRunResolver {
  @Authorized<Role>("ADMIN")
  @Mutation(() => BatchRun, {
    description:
      "Starts the batch refresh of every customer's predictions in the background and returns the run " +
      "(or the one already running, here or on another replica); poll batchRun(id) for progress. Admin only.",
  })
  async refreshAllPredictions(@Ctx() ctx: RequestContext): Promise<BatchRun> {
    // The run outlives the request; its log lines carry the id of the request that started it.
    return BatchRun.from(await ctx.batchRunner.start("api", {}, ctx.log));
  }

  @Authorized<Role>("ADMIN")
  @Query(() => BatchRun, {
    nullable: true,
    description: "A batch refresh run by id; NOT_FOUND if none. Admin only.",
  })
  async batchRun(
    @Arg("id", () => ID) id: string,
    @Ctx() { db, batchRunner }: RequestContext,
  ): Promise<BatchRun> {
    const run = await findBatchRun(db, parseId(id, "id"));
    if (!run) throw notFound(`No batch run with id ${id}`);
    // A run on the queue counts its customers in its flow until it finishes.
    return BatchRun.from(await batchRunner.current(run));
  }

  @Authorized<Role>("ADMIN")
  @Query(() => [BatchRun], {
    description:
      "The newest batch refresh runs first (a model-health view of the daily refresh). Admin only.",
    complexity: listComplexity("first", 10),
  })
  async batchRuns(
    @Args() { first }: RecentBatchRunsArgs,
    @Ctx() { db, batchRunner }: RequestContext,
  ): Promise<BatchRun[]> {
    const runs = await recentBatchRuns(db, first);
    return Promise.all(runs.map(async (run) => BatchRun.from(await batchRunner.current(run))));
  }
}
