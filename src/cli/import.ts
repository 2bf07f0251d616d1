// `npm run import -- <source> <dir>`: loads a public dataset from a folder into the database.
// Rejected rows go to stderr as file:line: reason (the first few), the summary to stdout; the exit
// code is 1 when any row was rejected, so scripts notice a partial import.

import type { Db } from "../db/client";
import {
  type ImportSummary,
  importCompleteJourney,
  type RejectedRow,
} from "../importers/completejourney/import";
import { parseCommandArgs, runCommand, UsageError } from "./support/command";
import { createProgress, type Progress } from "./support/progress";

/** Rejected rows printed one by one; beyond this only their number is. */
const PRINTED_REJECTIONS = 50;

/** Every source the command knows: its name and the importer that reads its folder. */
const SOURCES: Record<string, Importer> = {
  completejourney: importCompleteJourney,
};

type Importer = typeof importCompleteJourney;

runCommand({
  usage: `npm run import -- <source> <dir>   (sources: ${Object.keys(SOURCES).join(", ")})`,
  parse: parseImportArgs,
  async run({ db }, { source, dir, importer }) {
    const summary = await runImport(db.prisma, source, dir, importer);
    process.stdout.write(formatSummary(source, dir, summary));
    return summary.rejected ? 1 : 0;
  },
});

// ---- private helpers ----

function parseImportArgs(args: string[]) {
  const { positionals } = parseCommandArgs({}, args, true);
  const [source, dir, ...extra] = positionals;
  const known = Object.keys(SOURCES).join(", ");
  if (!source) throw new UsageError(`expected a source (${known}) and a folder`);
  const importer = Object.hasOwn(SOURCES, source) ? SOURCES[source] : undefined;
  if (!importer) throw new UsageError(`unknown source ${JSON.stringify(source)}: expected one of ${known}`);
  if (!dir) throw new UsageError(`expected the folder to import ${source} from`);
  if (extra.length) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
  return { source, dir, importer };
}

async function runImport(db: Db, source: string, dir: string, importer: Importer): Promise<ImportSummary> {
  let progress: Progress | undefined;
  let rejected = 0;
  const summary = await importer(db, dir, {
    // The bar starts with the first report, once the files are checked and their size is known.
    onProgress: ({ bytesDone, bytesTotal, rows }) => {
      progress ??= createProgress({ label: source, total: bytesTotal, unit: "bytes", countUnit: "rows" });
      progress.update(bytesDone, rows);
    },
    onRejected: (row: RejectedRow) => {
      if (++rejected <= PRINTED_REJECTIONS) process.stderr.write(`${row.file}:${row.line}: ${row.reason}\n`);
    },
  });
  progress?.stop();
  if (rejected > PRINTED_REJECTIONS) {
    process.stderr.write(`… and ${rejected - PRINTED_REJECTIONS} more rejected rows (${rejected} in all)\n`);
  }
  return summary;
}

function formatSummary(source: string, dir: string, s: ImportSummary): string {
  const n = (value: number) => value.toLocaleString("en-US");
  return [
    `${source} import from ${dir}`,
    `  lines read  ${n(s.transactionLines)} transactions`,
    `  products    ${n(s.productRows)} read, ${n(s.productsCreated)} created`,
    `  customers   ${n(s.customersCreated)} created`,
    `  purchases   ${n(s.purchasesCreated)} created`,
    `  items       ${n(s.itemsCreated)} created`,
    `  skipped     ${n(s.skipped)} (zero quantity)`,
    `  rejected    ${n(s.rejected)}`,
    `  time        ${s.seconds.toFixed(1)} s (${n(s.rowsPerSecond)} rows/s)`,
    "",
  ].join("\n");
}
