// The playground's saved tabs are the README's example operations: each must run against the schema
// as it is (schema.graphql, which test/client/codegen.test.ts keeps equal to the resolvers), with
// the variables it carries.
import fs from "node:fs";
import path from "node:path";
import { buildSchema, parse, validate } from "graphql";
import { projectRoot } from "../../src/project-root";
import { AUTHORIZATION_PLACEHOLDER, PLAYGROUND_TABS } from "../../web/playground/tabs";

describe("playground tabs", () => {
  it("a customer's predictions, the due-soon audience and an admin refresh, each valid against the schema", () => {
    const schema = buildSchema(fs.readFileSync(path.join(projectRoot(), "schema.graphql"), "utf8"));
    const operations = PLAYGROUND_TABS.map((tab) => {
      const document = parse(tab.query);
      expect(validate(schema, document)).toEqual([]);
      const [definition] = document.definitions;
      return definition?.kind === "OperationDefinition"
        ? `${definition.operation} ${definition.name?.value}`
        : "";
    });
    expect(operations).toEqual([
      "query CustomerPredictions",
      "query CustomersDue",
      "mutation RefreshCustomerPredictions",
    ]);
  });

  it("every tab has valid JSON variables for its operation's required arguments and the header hint", () => {
    for (const tab of PLAYGROUND_TABS) {
      expect(JSON.parse(tab.headers)).toEqual({ Authorization: AUTHORIZATION_PLACEHOLDER });
      const variables = JSON.parse(tab.variables) as Record<string, unknown>;
      const required = [...tab.query.matchAll(/\$(\w+): \w+!/g)].map((match) => match[1]);
      for (const name of required) expect(variables).toHaveProperty(name!);
    }
  });
});
