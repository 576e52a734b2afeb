import type { CallCounts } from '../lib/kinesis-calls';
import { type Counts, type OpCount, totals } from '../lib/meter';
import { round } from '../lib/stats';

/** What one path costs per unit (event, marked record, parked event), from metered calls. */
export interface PathCost {
  readonly wcu: number;
  readonly rcu: number;
  readonly dynamoCalls: number;
  readonly kinesisCalls: number;
  readonly dynamoCallsByOp: Record<string, number>;
  readonly kinesisCallsByOp: Record<string, number>;
  readonly wcuByTable: Record<string, number>;
  /**
   * DynamoDB calls per unit whose write units the meter computed from item sizes by AWS's rules
   * (transactions at 2x per item, failed conditions), because DynamoDB Local does not report them.
   */
  readonly computedCalls: number;
}

const add = (a: OpCount | undefined, b: OpCount): OpCount => ({
  calls: (a?.calls ?? 0) + b.calls,
  wcu: (a?.wcu ?? 0) + b.wcu,
  rcu: (a?.rcu ?? 0) + b.rcu,
  wcuReportedByLocal: (a?.wcuReportedByLocal ?? 0) + b.wcuReportedByLocal,
  computed: (a?.computed ?? 0) + b.computed,
  failedConditions: (a?.failedConditions ?? 0) + b.failedConditions,
});

/** Sum of meter diffs, e.g. a dead container's calls plus those of the container that took over. */
export const addCounts = (...all: readonly Counts[]): Counts => {
  const out: Counts = { ops: {}, tables: {} };
  for (const c of all) {
    for (const [op, n] of Object.entries(c.ops)) out.ops[op] = add(out.ops[op], n);
    for (const [table, t] of Object.entries(c.tables)) {
      const sum = out.tables[table] ?? { wcu: 0, rcu: 0 };
      out.tables[table] = { wcu: sum.wcu + t.wcu, rcu: sum.rcu + t.rcu };
    }
  }
  return out;
};

const per = (n: number, units: number) => round(n / units, 4);

/** Divides what was counted by the number of units the path handled (4 decimals). */
export const perUnit = (dynamo: Counts, kinesis: CallCounts, units: number): PathCost => {
  if (!(units > 0)) throw new Error(`perUnit: units must be positive, got ${units}`);
  const t = totals(dynamo);
  const ops = Object.entries(dynamo.ops);
  return {
    wcu: per(t.wcu, units),
    rcu: per(t.rcu, units),
    dynamoCalls: per(t.calls, units),
    kinesisCalls: per(
      Object.values(kinesis).reduce((a, b) => a + b, 0),
      units,
    ),
    dynamoCallsByOp: Object.fromEntries(ops.map(([op, c]) => [op, per(c.calls, units)])),
    kinesisCallsByOp: Object.fromEntries(Object.entries(kinesis).map(([op, n]) => [op, per(n, units)])),
    wcuByTable: Object.fromEntries(
      Object.entries(dynamo.tables)
        .filter(([, c]) => c.wcu > 0)
        // The meter files BatchWriteItem (no TableName in its body) under "undefined".
        .map(([table, c]) => [table === 'undefined' ? 'BatchWriteItem' : table, per(c.wcu, units)]),
    ),
    computedCalls: per(
      ops.reduce((n, [, c]) => n + c.computed, 0),
      units,
    ),
  };
};
