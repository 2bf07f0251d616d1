import { type GraphQLSchema, lexicographicSortSchema, printSchema } from "graphql";
import { KeyRing } from "../auth/api-keys";
import { buildApiSchema } from "./schema";

/** The schema as SDL in a stable (sorted) order: the content of the committed schema.graphql. */
export async function printApiSchema(schema?: GraphQLSchema): Promise<string> {
  const built =
    schema ??
    (await buildApiSchema(new KeyRing({ read: [], ingest: [], admin: [] }, { anonymousReads: false })));
  return `${printSchema(lexicographicSortSchema(built))}\n`;
}
