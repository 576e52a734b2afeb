import { fmt, table } from '../report/table';
import type { RarePathsResult } from './run';

/** Section 6 as a text table (terminal) and as Markdown (docs/consumer-runtime.md). */
const cells = (r: RarePathsResult) =>
  r.rows.map((row) => [
    row.scheme,
    row.side,
    row.path,
    row.per,
    fmt(row.wcu, 3),
    fmt(row.rcu, 3),
    fmt(row.dynamoCalls, 3),
    row.kinesisCalls === undefined ? '-' : fmt(row.kinesisCalls, 3),
    row.source,
  ]);

const HEADER = ['scheme', 'side', 'path', 'per', 'WCU', 'RCU', 'DynamoDB calls', 'Kinesis calls', 'source'];

export const rareTable = (r: RarePathsResult): string =>
  [
    table(
      `6. Write units and calls per event, normal and rare paths (commit ${r.commit}, ${r.measuredAt.slice(0, 10)})`,
      HEADER,
      cells(r),
    ),
    `Units: ${r.units}`,
    ...r.rows.flatMap((row) => (row.detail ? [`  - ${row.path}: ${row.detail}`] : [])),
  ].join('\n');

export const rareMarkdown = (r: RarePathsResult): string =>
  [
    `| ${HEADER.join(' | ')} |`,
    `|${HEADER.map(() => '---').join('|')}|`,
    ...cells(r).map((c) => `| ${c.join(' | ')} |`),
  ].join('\n');
