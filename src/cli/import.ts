// `npm run import -- <source> <dir>`: loads a public dataset from a folder into the database.
// Rejected rows go to stderr as file:line: reason (the first few), the summary to stdout; the exit
// code is 1 when any row was rejected, so scripts notice a partial import.
import { parseCommandArgs, runCommand, UsageError } from "./support/command";
import {
  formatImportSummary,
  IMPORT_SOURCES,
  importSource,
  importWithProgress,
} from "./support/import-progress";

runCommand({
  usage: `npm run import -- <source> <dir>   (sources: ${Object.keys(IMPORT_SOURCES).join(", ")})`,
  parse: parseImportArgs,
  async run({ db }, { name, dir, source }) {
    const summary = await importWithProgress(db.prisma, name, dir, source);
    process.stdout.write(formatImportSummary(name, dir, summary));
    return summary.rejected ? 1 : 0;
  },
});

// ---- private helpers ----

function parseImportArgs(args: string[]) {
  const { positionals } = parseCommandArgs({}, args, true);
  const [name, dir, ...extra] = positionals;
  const source = importSource(name);
  if (!dir) throw new UsageError(`expected the folder to import ${name} from`);
  if (extra.length) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
  return { name: name!, dir, source };
}
