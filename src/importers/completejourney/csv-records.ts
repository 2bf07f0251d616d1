// Streams a CSV file record by record, so memory stays bounded whatever the file size: the parser is
// paused while the consumer awaits (e.g. a database write), and nothing behind the current record is
// kept.
import fs from "node:fs";
import { pipeline } from "node:stream";
import { type CsvError, type Info, parse } from "csv-parse";

export interface CsvRecord {
  fields: string[];
  /** 1-based line number in the file (for a record spanning lines, the line it ends on). */
  line: number;
  /** Bytes of the file consumed so far: for progress. */
  bytes: number;
}

/**
 * Yields the records after the header row (see readCsvHeader) as arrays of strings. Rows keep their
 * own field count (the caller decides what a short row means). A record the parser cannot read (a
 * quote that never closes, say) is passed to `onMalformed` with its line number and skipped.
 *
 * @example
 *   for await (const { fields, line } of readCsvRecords("transactions.csv", (line, reason) => ...)) { ... }
 */
export async function* readCsvRecords(
  file: string,
  onMalformed: (line: number, reason: string) => void,
): AsyncGenerator<CsvRecord> {
  const parser = parse({
    ...PARSE_OPTIONS,
    info: true,
    skip_records_with_error: true,
    on_skip: (error: CsvError | undefined) => {
      if (error) onMalformed(lineOf(error), `unreadable CSV: ${error.message}`);
      return undefined;
    },
  });
  // pipeline() forwards a read error (the file vanished mid-import) into the parser, so the loop
  // below throws instead of waiting forever; leaving the loop early closes the file.
  const records = pipeline(fs.createReadStream(file), parser, () => {});
  let header = true;
  for await (const { record, info } of records as AsyncIterable<{ record: string[]; info: Info }>) {
    if (header) header = false;
    else yield { fields: record, line: info.lines, bytes: info.bytes };
  }
}

/**
 * The first record of a CSV file (its header row), or undefined when the file has none.
 *
 * @throws the read error (ENOENT, EACCES, EISDIR…) or the CsvError of an unreadable first line.
 */
export async function readCsvHeader(file: string): Promise<string[] | undefined> {
  const records = pipeline(fs.createReadStream(file), parse({ ...PARSE_OPTIONS, to_line: 1 }), () => {});
  for await (const record of records as AsyncIterable<string[]>) return record;
  return undefined;
}

// ---- private helpers ----

const PARSE_OPTIONS = {
  bom: true,
  // A short or long row is reported by the row rules with the columns it lacks, not by the parser.
  relax_column_count: true,
  skip_empty_lines: true,
} as const;

function lineOf(error: CsvError): number {
  return typeof error.lines === "number" ? error.lines : 0;
}
