// npm run codegen (first step) — writes the API's schema to schema.graphql, which GraphQL Code
// Generator then reads (codegen.yml). Needs no database.
import "reflect-metadata";
import fs from "node:fs";
import path from "node:path";
import { printApiSchema } from "../graphql/print-schema";
import { projectRoot } from "../project-root";

async function main() {
  const file = path.join(projectRoot(), "schema.graphql");
  fs.writeFileSync(file, await printApiSchema());
  console.log(`wrote ${path.relative(process.cwd(), file) || file}`);
}

main().catch((error) => {
  process.stderr.write(`error: ${(error as Error).message}\n`);
  process.exitCode = 1;
});
