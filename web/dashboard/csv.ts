// CSV as spreadsheets read it (RFC 4180). No DOM (tested in jest).

/**
 * One CSV document: a header row, then a row per record; CRLF line ends. Fields with commas, quotes
 * or line breaks are quoted. A text field that starts like a formula (=, +, -, @, tab, CR) gets a
 * leading apostrophe, so a customer named "=HYPERLINK(…)" stays text when marketing opens the file.
 */
export function toCsv(
  header: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<string | number | boolean>>,
) {
  return `${[header, ...rows].map((row) => row.map(csvField).join(",")).join("\r\n")}\r\n`;
}

function csvField(value: string | number | boolean): string {
  if (typeof value !== "string") return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
