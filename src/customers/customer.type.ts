import { Field, ID, ObjectType } from "type-graphql";
import { DateTime } from "../graphql/date-time";
import { Connection } from "../graphql/pagination";

@ObjectType({ description: "A shopper, identified by the retailer's own id." })
export class Customer {
  @Field(() => ID)
  id!: number;

  @Field({ description: "The retailer's id for this customer." })
  externalId!: string;

  @Field()
  name!: string;

  /** Served by CustomerResolver.email: ADMIN keys only. */
  email!: string | null;

  @Field(() => DateTime)
  createdAt!: Date;

  /**
   * Not in the schema: the version the customer's cached predictions are keyed by, read with the row
   * (Customer.predictions looks them up under it, so a purchase recorded since is never hidden).
   */
  predictionsVersion!: number;
}

@ObjectType()
export class CustomerConnection extends Connection(Customer) {}
