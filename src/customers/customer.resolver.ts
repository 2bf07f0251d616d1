import { Max, Min } from "class-validator";
import {
  Arg,
  Args,
  ArgsType,
  Authorized,
  Ctx,
  Field,
  FieldResolver,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
} from "type-graphql";
import { allows, type Role } from "../auth/api-keys";
import { isUniqueViolation } from "../db/errors";
import { anyColumnContains } from "../db/text-search";
import { Prisma } from "../generated/prisma/sqlite/client";
import type { RequestContext } from "../graphql/context";
import { badInput, notFound } from "../graphql/errors";
import { decodeCursor, MAX_PAGE_SIZE, toPage } from "../graphql/pagination";
import { LOADED_OBJECT_COST, listComplexity } from "../graphql/query-limits";
import { parseId } from "../graphql/validation";
import { Purchase } from "../purchases/purchase.type";
import { CustomersArgs, UpsertCustomerInput } from "./customer.inputs";
import { Customer, CustomerConnection } from "./customer.type";

@ArgsType()
class LatestPurchasesArgs {
  @Field(() => Int, {
    defaultValue: 20,
    description: `How many of the newest purchases, 1 to ${MAX_PAGE_SIZE}.`,
  })
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  last = 20;
}

@Resolver(() => Customer)
export class CustomerResolver {
  @Authorized<Role>("READ")
  @Query(() => Customer, { nullable: true, description: "A customer by id; NOT_FOUND if there is none." })
  async customer(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Customer> {
    const customer = await ctx.loaders.customerById.load(parseId(id, "id"));
    if (!customer) throw notFound(`No customer with id ${id}`);
    return customer;
  }

  @Authorized<Role>("READ")
  @Query(() => Customer, {
    nullable: true,
    description: "A customer by the retailer's id; NOT_FOUND if none.",
  })
  async customerByExternalId(
    @Arg("externalId") externalId: string,
    @Ctx() { db }: RequestContext,
  ): Promise<Customer> {
    if (externalId.length > 100) throw badInput("externalId: expected at most 100 characters");
    const customer = await db.customer.findUnique({ where: { externalId } });
    if (!customer) throw notFound(`No customer with externalId ${JSON.stringify(externalId)}`);
    return customer;
  }

  @Authorized<Role>("READ")
  @Query(() => CustomerConnection, {
    description: "Customers in a stable order (by id), a page at a time.",
    complexity: listComplexity("first", 20),
  })
  async customers(
    @Args() { first, after, search }: CustomersArgs,
    @Ctx() { db, principal }: RequestContext,
  ): Promise<CustomerConnection> {
    const text = search?.trim();
    // Matching e-mails for a key that may not read them would tell it whose address is whose.
    const columns = allows(principal, "ADMIN") ? ["name", "email", "externalId"] : ["name", "externalId"];
    const rows = await db.$queryRaw<Customer[]>`
      SELECT "id", "externalId", "name", "email", "createdAt", "predictionsVersion" FROM "Customer"
      WHERE "id" > ${after ? decodeCursor(after) : 0}
        ${text ? Prisma.sql`AND ${anyColumnContains(columns, text)}` : Prisma.empty}
      ORDER BY "id" LIMIT ${first + 1}`;
    return toPage(rows, first);
  }

  // Field resolvers need no @Authorized of their own: every way to reach a Customer is a root field
  // that has one. The e-mail is the exception: personal data that storefronts and marketing lists do
  // not need, so it is answered to ADMIN keys only (null, not an error, for the others: a page of
  // customers asked for with a READ key still serves everything else).
  @FieldResolver(() => String, {
    nullable: true,
    description:
      "The customer's e-mail address. ADMIN keys only: null for every other key and for anonymous callers.",
  })
  email(@Root() customer: Customer, @Ctx() { principal }: RequestContext): string | null {
    return allows(principal, "ADMIN") ? customer.email : null;
  }

  @FieldResolver(() => [Purchase], {
    description: "The customer's newest purchases, newest first.",
    complexity: listComplexity("last", 20, LOADED_OBJECT_COST),
  })
  purchases(@Root() customer: Customer, @Args() { last }: LatestPurchasesArgs, @Ctx() ctx: RequestContext) {
    return ctx.loaders.latestPurchases.load({ customerId: customer.id, last });
  }

  @Authorized<Role>("ADMIN")
  @Mutation(() => Customer, { description: "Creates or updates a customer by externalId. Admin only." })
  async upsertCustomer(
    @Arg("input") input: UpsertCustomerInput,
    @Ctx() { db }: RequestContext,
  ): Promise<Customer> {
    const data = { name: input.name, email: input.email ?? null };
    try {
      return await db.customer.upsert({
        where: { externalId: input.externalId },
        create: { externalId: input.externalId, ...data },
        update: data,
      });
    } catch (error) {
      if (isUniqueViolation(error))
        throw badInput("email: another customer already uses this e-mail address");
      throw error;
    }
  }
}
