// A dataset import as a person watches it (`npm run import`, `npm run demo -- --data`): a progress
// bar in MB and rows, rejected rows as file:line: reason on stderr (the first few), and the summary.
import type { Db } from "../../db/client";
import {
  type ImportSummary,
  importCompleteJourney,
  type RejectedRow,
} from "../../importers/completejourney/import";
import { STORE_TIME_ZONE } from "../../importers/completejourney/store-time";
import { UsageError } from "./command";
import { createProgress, type Progress } from "./progress";

/** Rejected rows printed one by one; beyond this only their number is. */
const PRINTED_REJECTIONS = 50;

export interface ImportSource {
  importer: typeof importCompleteJourney;
  /** The calendar its timestamps were written in (the demo serves it in that TIME_ZONE). */
  timeZone: string;
}

/** Every source the commands know, by name. */
export const IMPORT_SOURCES: Record<string, ImportSource> = {
  completejourney: { importer: importCompleteJourney, timeZone: STORE_TIME_ZONE },
};

/** The source of that name, or a UsageError listing the known ones. */
export function importSource(name: string | undefined): ImportSource {
  const known = Object.keys(IMPORT_SOURCES).join(", ");
  if (!name) throw new UsageError(`expected a source (${known}) and a folder`);
  const source = Object.hasOwn(IMPORT_SOURCES, name) ? IMPORT_SOURCES[name] : undefined;
  if (!source) throw new UsageError(`unknown source ${JSON.stringify(name)}: expected one of ${known}`);
  return source;
}

export async function importWithProgress(
  db: Db,
  name: string,
  dir: string,
  { importer }: ImportSource,
): Promise<ImportSummary> {
  let progress: Progress | undefined;
  let rejected = 0;
  try {
    return await importer(db, dir, {
      // The bar starts with the first report, once the files are checked and their size is known.
      onProgress: ({ bytesDone, bytesTotal, rows }) => {
        progress ??= createProgress({ label: name, total: bytesTotal, unit: "bytes", countUnit: "rows" });
        progress.update(bytesDone, rows);
      },
      onRejected: (row: RejectedRow) => {
        if (++rejected <= PRINTED_REJECTIONS)
          process.stderr.write(`${row.file}:${row.line}: ${row.reason}\n`);
      },
    });
  } finally {
    progress?.stop();
    if (rejected > PRINTED_REJECTIONS) {
      process.stderr.write(
        `… and ${rejected - PRINTED_REJECTIONS} more rejected rows (${rejected} in all)\n`,
      );
    }
  }
}

export function formatImportSummary(name: string, dir: string, s: ImportSummary): string {
  const n = (value: number) => value.toLocaleString("en-US");
  return [
    `${name} import from ${dir}`,
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
