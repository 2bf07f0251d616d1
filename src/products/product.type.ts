import { Field, ID, Int, ObjectType } from "type-graphql";
import { DateTime } from "../graphql/date-time";
import { Connection } from "../graphql/pagination";

@ObjectType({ description: "A catalogue entry. Predictions are made per category.", simpleResolvers: true })
export class Product {
  @Field(() => ID)
  id!: number;

  @Field()
  sku!: string;

  @Field()
  name!: string;

  @Field({ description: 'e.g. "FLUID MILK PRODUCTS"' })
  category!: string;

  @Field(() => String, { nullable: true, description: 'e.g. "FLUID MILK WHITE ONLY"' })
  subcategory!: string | null;

  @Field(() => String, { nullable: true })
  brand!: string | null;

  @Field(() => String, { nullable: true })
  packageSize!: string | null;

  @Field(() => DateTime)
  createdAt!: Date;
}

@ObjectType()
export class ProductConnection extends Connection(Product) {}

@ObjectType({
  description: "A product category and how many catalogue products it has.",
  simpleResolvers: true,
})
export class Category {
  @Field()
  name!: string;

  @Field(() => Int)
  productCount!: number;
}
