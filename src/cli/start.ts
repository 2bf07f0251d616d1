// npm start — serves the GraphQL API on PORT/HOST against DATABASE_URL (migrating first unless
// MIGRATE_ON_START=false) until SIGTERM/SIGINT.
import { parseCommandArgs, runCommand } from "./support/command";
import { serveUntilSignal } from "./support/serve";

runCommand({
  usage: "npm start",
  parse: (argv) => parseCommandArgs({}, argv),
  run: (ctx) => serveUntilSignal(ctx),
});
