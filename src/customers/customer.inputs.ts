import { IsEmail, IsOptional, Matches, MaxLength } from "class-validator";
import { ArgsType, Field, InputType } from "type-graphql";
import { PageArgs } from "../graphql/pagination";
import { NotEmpty } from "../graphql/validation";

@ArgsType()
export class CustomersArgs extends PageArgs {
  @Field(() => String, {
    nullable: true,
    description:
      "Only customers whose name or external id (and, for ADMIN keys only, e-mail) contains this text (case-insensitive).",
  })
  @IsOptional()
  @MaxLength(100)
  search?: string | null;
}

@InputType({ description: "A customer, identified by the retailer's id: created if new, updated otherwise." })
export class UpsertCustomerInput {
  @Field()
  @NotEmpty()
  @MaxLength(100)
  // Empty passes here: NotEmpty says so alone.
  @Matches(/^(\S(.*\S)?)?$/, { message: "externalId must not start or end with white space" })
  externalId!: string;

  @Field()
  @NotEmpty()
  @MaxLength(200)
  name!: string;

  @Field(() => String, { nullable: true, description: "Unique; null removes it." })
  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  email?: string | null;
}
