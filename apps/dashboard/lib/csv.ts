// CSV for the search exports: RFC 4180 quoting, and cells a spreadsheet would run as a formula (=, +, -, @) kept as
// text with a leading apostrophe, since request ids and keys come from callers.

/** One CSV cell. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV line. */
export const csvLine = (values: readonly unknown[]): string => values.map(csvCell).join(',');
