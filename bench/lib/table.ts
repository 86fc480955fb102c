/**
 * Lays rows out as a plain-text table: the first row is the header, columns are padded to
 * their widest cell, and a column is right-aligned when `numeric[column]` is true.
 */
export function formatTable(
  rows: readonly (readonly string[])[],
  numeric: readonly boolean[] = [],
): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, column) => {
      widths[column] = Math.max(widths[column] ?? 0, cell.length);
    });
  }
  const line = (row: readonly string[]): string =>
    row
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        return numeric[column] === true ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  const [header, ...body] = rows;
  if (header === undefined) return '';
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [line(header), rule, ...body.map(line)].join('\n');
}

/** The same rows as a Markdown table, for docs/benchmarks.md. */
export function formatMarkdownTable(
  rows: readonly (readonly string[])[],
  numeric: readonly boolean[] = [],
): string {
  const [header, ...body] = rows;
  if (header === undefined) return '';
  const align = header.map((_, column) => (numeric[column] === true ? '---:' : '---'));
  return [header, align, ...body].map((row) => `| ${row.join(' | ')} |`).join('\n');
}

/** Operations per second with thousands separators and no decimals: `1,234,567`. */
export function formatOpsPerSecond(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}
