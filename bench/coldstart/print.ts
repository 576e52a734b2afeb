import type { ColdStartResult } from './run';

const fmt = (n: number | undefined, digits: number): string => (n === undefined ? '-' : n.toFixed(digits));

/** The cold-start table with ratios against the lean baselines of the same run. */
export const coldStartTable = (results: readonly ColdStartResult[], runs: number): string => {
  const head = ['function', 'design', 'bundle KB', 'map KB', 'init ms', 'init CPU ms', 'x wall', 'x CPU'];
  const rows = results.map((c) => [
    c.name,
    c.design,
    fmt(c.bundleBytes / 1024, 0),
    fmt(c.sourceMapBytes / 1024, 0),
    fmt(c.initMsMedian, 1),
    fmt(c.initCpuMsMedian, 1),
    fmt(c.ratioWall, 2),
    fmt(c.ratioCpu, 2),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) => r.map((v, i) => v.padEnd(widths[i] ?? 0)).join('  ');
  return [
    `4. Cold start: bundle and module init, median of ${runs} fresh processes; x = over the lean baseline of the same run`,
    line(head),
    ...rows.map(line),
  ].join('\n');
};
