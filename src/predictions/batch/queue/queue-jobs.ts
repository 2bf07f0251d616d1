// What the queue's job processors need: the database, the prediction runtime of the worker process,
// and the queue (the run job adds its chunks to it).
import type { DatabaseProvider } from "../../../config";
import type { Db } from "../../../db/client";
import type { Logger } from "../../../logger";
import type { AnalyzerSource } from "../../store/priors-store";
import type { BatchRefreshRuntime } from "../batch-refresh";
import type { RefreshQueue } from "./refresh-queue";

export interface QueueJobDeps {
  db: Db;
  provider: DatabaseProvider;
  log: Logger;
  runtime: BatchRefreshRuntime & { analyzers: Pick<AnalyzerSource, "use" | "current"> };
  queue: RefreshQueue;
}
