/**
 * "Today's figures" for issue 11: what `npm run bench` measured before the issue's work, as committed
 * in `bench/results/report.json` at commit 8337d54 (run of 2026-11-22T14:54Z, DynamoDB Local, the same
 * workload and meter). Taken from git history, not measured by this run: `git show
 * 8337d54:bench/results/report.json` shows them (exactlyOnce[spine, batch 1 and 100].first,
 * ingressDedupe, ingressCpu[spine-batch-ids].kinesisCallsPerEvent). The consumer then had no Kinesis
 * client, so its Kinesis calls were not metered.
 */
export const BEFORE_COMMIT = '8337d541cbac5fd90c1bbc766c991f9a264ccc2e';

export interface HistoricRow {
  readonly side: 'consumer' | 'ingress';
  readonly path: string;
  readonly per: string;
  readonly wcu: number;
  readonly rcu: number;
  readonly dynamoCalls: number;
  readonly kinesisCalls?: number;
}

export const BEFORE_ISSUE_11: readonly HistoricRow[] = [
  { side: 'consumer', path: 'normal, batch 100', per: 'event', wcu: 2.04, rcu: 0.009, dynamoCalls: 0.04 },
  { side: 'consumer', path: 'normal, batch 1', per: 'event', wcu: 4, rcu: 0.99, dynamoCalls: 3 },
  {
    side: 'ingress',
    path: 'publish with producer ids, batches of 50',
    per: 'event',
    wcu: 2,
    rcu: 0,
    dynamoCalls: 2,
    kinesisCalls: 0.02,
  },
];
