import { DateTimeResolver } from "graphql-scalars";
import { Field, ID, ObjectType } from "type-graphql";
import { Connection } from "../graphql/pagination";

@ObjectType({ description: "A shopper, identified by the retailer's own id." })
export class Customer {
  @Field(() => ID)
  id!: number;

  @Field({ description: "The retailer's id for this customer." })
  externalId!: string;

  @Field()
  name!: string;

  @Field(() => String, { nullable: true })
  email!: string | null;

  @Field(() => DateTimeResolver)
  createdAt!: Date;
}

@ObjectType()
export class CustomerConnection extends Connection(Customer) {}
