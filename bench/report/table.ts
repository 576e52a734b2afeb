/** Fixed-width text tables for the terminal report. */
export const table = (
  title: string,
  header: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): string => {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [
    `\n${title}`,
    line(header),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.map((r) => line(r.map(String))),
  ].join('\n');
};

export const fmt = (n: number | undefined, digits = 2): string =>
  n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits);
