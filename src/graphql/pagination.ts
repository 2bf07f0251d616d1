// Relay-style forward pagination over records ordered by id. Cursors are opaque to clients
// (base64url of "v1:<id>"), so the ordering can change later without breaking them.
import { IsOptional, Max, MaxLength, Min } from "class-validator";
import { ArgsType, type ClassType, Field, Int, ObjectType } from "type-graphql";
import { badInput } from "./errors";
import { MAX_ID } from "./validation";

export const MAX_PAGE_SIZE = 100;

@ObjectType({ description: "Where a page sits in the whole list.", simpleResolvers: true })
export class PageInfo {
  @Field({ description: "More items follow the last edge: pass endCursor as `after`." })
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: "Cursor of the last edge; null for an empty page." })
  endCursor!: string | null;
}

@ArgsType()
export class PageArgs {
  @Field(() => Int, { defaultValue: 20, description: `Items per page, 1 to ${MAX_PAGE_SIZE}.` })
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  first = 20;

  @Field(() => String, {
    nullable: true,
    description: "Start after this cursor (a previous page's endCursor).",
  })
  @IsOptional()
  @MaxLength(100)
  after?: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Page<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
}

/**
 * The GraphQL connection type for a node type.
 *
 * @example
 *   @ObjectType() export class CustomerConnection extends Connection(Customer) {}
 */
export function Connection<T extends object>(Node: ClassType<T>) {
  @ObjectType(`${Node.name}Edge`, { simpleResolvers: true })
  class EdgeType {
    @Field()
    cursor!: string;

    @Field(() => Node)
    node!: T;
  }

  @ObjectType()
  abstract class ConnectionType {
    @Field(() => [EdgeType])
    edges!: EdgeType[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;
  }
  return ConnectionType;
}

export function encodeCursor(id: number): string {
  return Buffer.from(`v1:${id}`).toString("base64url");
}

/** The id an `after` cursor points at; BAD_USER_INPUT when it is not one of ours. */
export function decodeCursor(cursor: string): number {
  const match = /^v1:(\d{1,15})$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!match || Number(match[1]) > MAX_ID || Buffer.from(`v1:${match[1]}`).toString("base64url") !== cursor) {
    throw badInput(
      `after: expected a cursor returned by this API, got ${JSON.stringify(cursor.slice(0, 40))}`,
    );
  }
  return Number(match[1]);
}

/**
 * Turns `first + 1` rows fetched in id order into a page (the extra row only says that more follow).
 */
export function toPage<T extends { id: number }>(rows: T[], first: number): Page<T> {
  const nodes = rows.slice(0, first);
  const edges = nodes.map((node) => ({ cursor: encodeCursor(node.id), node }));
  return { edges, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null } };
}
