// npm run migrate — applies pending migrations to DATABASE_URL and says what it did. Every command
// already migrates first; this one is for deploy pipelines that migrate once, then start replicas
// with MIGRATE_ON_START=false.
import { redactUrl } from "../config";
import { parseCommandArgs, runCommand } from "./support/command";

runCommand({
  usage: "npm run migrate",
  alwaysMigrate: true,
  parse: (argv) => parseCommandArgs({}, argv),
  async run({ config, migration }) {
    const where = redactUrl(config.databaseUrl);
    const { applied, upToDate } = migration!;
    console.log(
      applied.length
        ? `Applied ${applied.length} migration(s) to ${where}: ${applied.join(", ")}`
        : `${where} is up to date (${upToDate} migration(s) applied earlier)`,
    );
    return 0;
  },
});
