import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver } from "type-graphql";
import type { Role } from "../auth/api-keys";
import { anyColumnContains } from "../db/text-search";
import { Prisma } from "../generated/prisma/sqlite/client";
import type { RequestContext } from "../graphql/context";
import { notFound } from "../graphql/errors";
import { decodeCursor, toPage } from "../graphql/pagination";
import { listComplexity } from "../graphql/query-limits";
import { parseId } from "../graphql/validation";
import { categoryNamesOf } from "./category-names";
import { ProductsArgs, UpsertProductInput } from "./product.inputs";
import { Category, Product, ProductConnection } from "./product.type";

@Resolver(() => Product)
export class ProductResolver {
  @Authorized<Role>("READ")
  @Query(() => Product, { nullable: true, description: "A product by id; NOT_FOUND if there is none." })
  async product(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Product> {
    const product = await ctx.loaders.productById.load(parseId(id, "id"));
    if (!product) throw notFound(`No product with id ${id}`);
    return product;
  }

  @Authorized<Role>("READ")
  @Query(() => ProductConnection, {
    description: "Products in a stable order (by id), a page at a time.",
    complexity: listComplexity("first", 20),
  })
  async products(
    @Args() { first, after, category, search }: ProductsArgs,
    @Ctx() { db }: RequestContext,
  ): Promise<ProductConnection> {
    const text = search?.trim();
    const named = category ? await categoryNamesOf(db).resolve(category) : undefined;
    const rows = await db.$queryRaw<Product[]>`
      SELECT "id", "sku", "name", "category", "subcategory", "brand", "packageSize", "createdAt"
      FROM "Product"
      WHERE "id" > ${after ? decodeCursor(after) : 0}
        ${named ? Prisma.sql`AND "category" = ${named}` : Prisma.empty}
        ${text ? Prisma.sql`AND ${anyColumnContains(["name", "sku"], text)}` : Prisma.empty}
      ORDER BY "id" LIMIT ${first + 1}`;
    return toPage(rows, first);
  }

  @Authorized<Role>("READ")
  @Query(() => [Category], { description: "Every product category, by name." })
  async categories(@Ctx() { db }: RequestContext): Promise<Category[]> {
    const groups = await db.product.groupBy({
      by: ["category"],
      _count: { _all: true },
      orderBy: { category: "asc" },
    });
    return groups.map((group) => ({ name: group.category, productCount: group._count._all }));
  }

  @Authorized<Role>("ADMIN")
  @Mutation(() => Product, { description: "Creates or updates a product by SKU. Admin only." })
  upsertProduct(@Arg("input") input: UpsertProductInput, @Ctx() { db }: RequestContext): Promise<Product> {
    const data = {
      name: input.name,
      category: input.category,
      subcategory: input.subcategory ?? null,
      brand: input.brand ?? null,
      packageSize: input.packageSize ?? null,
    };
    return db.product.upsert({
      where: { sku: input.sku },
      create: { sku: input.sku, ...data },
      update: data,
    });
  }
}
