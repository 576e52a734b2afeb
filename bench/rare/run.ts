import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeliveryResult } from '../exactly-once/run';
import { ROOT } from '../local/backbone';
import { BEFORE_COMMIT, BEFORE_ISSUE_11 } from './before';
import { createRareTables } from './consumer';
import { type PathResult, runConsumerPaths } from './consumer-paths';
import { runIngressPaths } from './ingress-paths';
import { rareMarkdown } from './print';
import { plainDynamo, type RareEndpoints } from './setup';

/** One line of the cost table: a scheme's path, per unit, and where the figure comes from. */
export interface RareRow {
  readonly scheme: 'before issue 11' | 'Spine now' | 'Powertools';
  readonly side: 'consumer' | 'ingress';
  readonly path: string;
  readonly per: string;
  readonly wcu: number;
  readonly rcu: number;
  readonly dynamoCalls: number;
  /** Undefined: not metered (the consumer of run 1 and of commit 8337d54 has no Kinesis client). */
  readonly kinesisCalls?: number;
  readonly source: string;
  readonly detail?: string;
  readonly measured?: PathResult;
}

export interface RarePathsResult {
  /** The commit the runtime code was measured on (`+dirty` when the tree had changes). */
  readonly commit: string;
  readonly measuredAt: string;
  readonly units: string;
  readonly rows: readonly RareRow[];
}

export const UNITS_NOTE =
  'DynamoDB Local reports consumed capacity for single-item writes and BatchWriteItem, which the meter ' +
  'takes as is. Where Local differs from AWS the meter computes units by AWS rules from the request: ' +
  'TransactWriteItems (Local: 2 units per table per call) at 2x each item in 1 KB steps; failed ' +
  'conditional writes (Local: none) at the item size, at least 1; reads that find nothing (Local: 0) at ' +
  'no less than 1 unit per key or Query if strongly consistent, 0.5 if not. The "before issue 11" RCU ' +
  'were Local-reported, without that floor, so only their WCU and calls compare. Kinesis calls are those ' +
  "the function makes (the mapping's own GetRecords are not counted), PutRecords attempts refused " +
  'before connecting included.';

const commitOf = (): string => {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'shared', 'bench', 'local'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
    return dirty ? `${head}+dirty` : head;
  } catch {
    return 'unknown';
  }
};

const fromRun1 = (scheme: RareRow['scheme'], r: DeliveryResult | undefined): RareRow[] =>
  r
    ? [
        {
          scheme,
          side: 'consumer',
          path: `normal, batch ${r.batchSize}`,
          per: 'event',
          wcu: r.first.wcu,
          rcu: r.first.rcu,
          dynamoCalls: r.first.calls,
          source: 'run 1 (this run)',
        },
      ]
    : [];

/**
 * Section 6: write units, read units and calls per event on the normal path and each rare path of
 * issue 11, measured on the emulators, beside the figures before the issue and Powertools (run 1).
 */
export const runRarePaths = async (
  endpoints: RareEndpoints,
  exactlyOnce: readonly DeliveryResult[],
): Promise<RarePathsResult> => {
  const dynamo = plainDynamo(endpoints);
  await createRareTables(dynamo);
  dynamo.destroy();
  const measured = [...(await runConsumerPaths(endpoints)), ...(await runIngressPaths(endpoints))];
  const run1 = (design: DeliveryResult['design'], batch: number) =>
    exactlyOnce.find((r) => r.design === design && r.batchSize === batch);
  const before: RareRow[] = BEFORE_ISSUE_11.map((r) => ({
    scheme: 'before issue 11',
    ...r,
    source: `commit ${BEFORE_COMMIT.slice(0, 7)} report`,
  }));
  const now: RareRow[] = measured.map((m) => ({
    scheme: 'Spine now',
    side: m.side,
    path: m.path,
    per: m.per,
    wcu: m.wcu,
    rcu: m.rcu,
    dynamoCalls: m.dynamoCalls,
    kinesisCalls: m.kinesisCalls,
    source: 'section 6 (this run)',
    detail: m.detail,
    measured: m,
  }));
  return {
    commit: commitOf(),
    measuredAt: new Date().toISOString(),
    units: UNITS_NOTE,
    rows: [
      ...before,
      ...fromRun1('Spine now', run1('spine', 100)),
      ...fromRun1('Spine now', run1('spine', 1)),
      ...now,
      ...fromRun1('Powertools', run1('powertools', 100)),
      ...fromRun1('Powertools', run1('powertools', 1)),
    ],
  };
};

/** Writes section 6 beside report.json: the JSON and the Markdown table the docs quote. */
export const writeRareResults = (dir: string, result: RarePathsResult): void => {
  writeFileSync(join(dir, 'rare-paths.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(dir, 'rare-paths.md'), `${rareMarkdown(result)}\n`);
};
