import DataLoader from "dataloader";
import type { Db } from "../db/client";
import { LOADER_OPTIONS, orderedBy } from "../graphql/loader-support";
import type { Customer } from "./customer.type";

/** Customers by id (null for an unknown id), one query per batch. */
export function customerByIdLoader(db: Db) {
  return new DataLoader<number, Customer | null>(
    async (ids) =>
      orderedBy(ids, await db.customer.findMany({ where: { id: { in: [...ids] } } }), (c) => c.id),
    LOADER_OPTIONS,
  );
}
