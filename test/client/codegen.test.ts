// schema.graphql and the typed documents in src/client/generated are committed for frontends;
// this fails when a resolver or an operation changed without `npm run codegen`.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { printApiSchema } from "../../src/graphql/print-schema";
import { projectRoot } from "../../src/project-root";

const root = projectRoot();
const GENERATED = "src/client/generated/";

describe("generated GraphQL artefacts", () => {
  it("schema.graphql matches the resolvers", async () => {
    expect(fs.readFileSync(path.join(root, "schema.graphql"), "utf8")).toBe(await printApiSchema());
  });

  it("src/client/generated matches codegen.yml's output for the operations", () => {
    // The same configuration, generating into a scratch folder (the CLI is ESM-only, so it runs as
    // a process rather than inside Jest).
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "cai-codegen-"));
    try {
      const config = fs.readFileSync(path.join(root, "codegen.yml"), "utf8");
      expect(config).toContain(`  ${GENERATED}:`);
      const configFile = path.join(scratch, "codegen.yml");
      fs.writeFileSync(configFile, config.replace(`  ${GENERATED}:`, `  ${path.join(scratch, "out")}/:`));
      const cli = path.join(root, "node_modules", "@graphql-codegen", "cli", "cjs", "bin.js");
      const run = spawnSync(process.execPath, [cli, "--config", configFile, "--silent"], {
        cwd: root,
        encoding: "utf8",
      });
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      const committed = fs.readdirSync(path.join(root, GENERATED)).sort();
      expect(fs.readdirSync(path.join(scratch, "out")).sort()).toEqual(committed);
      for (const file of committed) {
        const fresh = fs.readFileSync(path.join(scratch, "out", file), "utf8");
        expect(`${file}:\n${fs.readFileSync(path.join(root, GENERATED, file), "utf8")}`).toBe(
          `${file}:\n${fresh}`,
        );
      }
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  }, 60_000);
});
