import { IsOptional, Matches, MaxLength } from "class-validator";
import { ArgsType, Field, InputType } from "type-graphql";
import { PageArgs } from "../graphql/pagination";
import { NotEmpty } from "../graphql/validation";

@ArgsType()
export class ProductsArgs extends PageArgs {
  @Field(() => String, {
    nullable: true,
    description:
      "Only products of this category, in any case; one no product has is refused (BAD_USER_INPUT) with the closest names.",
  })
  @IsOptional()
  @MaxLength(200)
  category?: string | null;

  @Field(() => String, { nullable: true, description: "Only products whose name or SKU contains this text." })
  @IsOptional()
  @MaxLength(100)
  search?: string | null;
}

@InputType({ description: "A product, identified by SKU: created if new, updated otherwise." })
export class UpsertProductInput {
  @Field()
  @NotEmpty()
  @MaxLength(100)
  // Empty passes here: NotEmpty says so alone.
  @Matches(/^\S*$/, { message: "sku must not contain white space" })
  sku!: string;

  @Field()
  @NotEmpty()
  @MaxLength(300)
  name!: string;

  @Field()
  @NotEmpty()
  @MaxLength(200)
  category!: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(200)
  subcategory?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(200)
  brand?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(100)
  packageSize?: string | null;
}
