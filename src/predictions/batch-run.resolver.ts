import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from "type-graphql";
import type { Role } from "../auth/api-keys";
import type { RequestContext } from "../graphql/context";
import { notFound } from "../graphql/errors";
import { parseId } from "../graphql/validation";
import { findBatchRun } from "./batch-refresh";
import { BatchRun } from "./batch-run.type";

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
  async batchRun(@Arg("id", () => ID) id: string, @Ctx() { db }: RequestContext): Promise<BatchRun> {
    const run = await findBatchRun(db, parseId(id, "id"));
    if (!run) throw notFound(`No batch run with id ${id}`);
    return BatchRun.from(run);
  }
}
