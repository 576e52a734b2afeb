/** `1234` ms -> `1.2 s`; minutes, hours and days for longer spans. */
export const duration = (ms: number): string => {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  if (ms < 86_400_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} d`;
};

/** A fixed-width bar: `value` of `max` filled, e.g. `██████░░░░`. */
export const bar = (value: number, max: number, width = 20): string => {
  const filled = max <= 0 ? 0 : Math.max(value > 0 ? 1 : 0, Math.round((value / max) * width));
  return '█'.repeat(Math.min(width, filled)) + '░'.repeat(Math.max(0, width - filled));
};

/** Left-aligned columns, two spaces apart. */
export const table = (rows: readonly (readonly string[])[]): string => {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, [...cell].length);
    });
  return rows
    .map((row) =>
      row
        .map((cell, i) =>
          i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - [...cell].length),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
};

export const shortSeq = (seq: string | undefined): string =>
  seq === undefined ? '-' : seq.length > 16 ? `…${seq.slice(-12)}` : seq;

export const iso = (ms: number | undefined): string => (ms === undefined ? '-' : new Date(ms).toISOString());
