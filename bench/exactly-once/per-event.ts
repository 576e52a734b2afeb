import { type Counts, totals } from '../lib/meter';
import { round } from '../lib/stats';

export interface PerEvent {
  readonly wcu: number;
  readonly rcu: number;
  readonly calls: number;
  /** Calls per operation per event, e.g. `{ TransactWriteItems: 0.02, GetItem: 0.01 }`. */
  readonly callsByOp: Record<string, number>;
  /** Write units per table per event. */
  readonly wcuByTable: Record<string, number>;
  /** What DynamoDB Local itself reported (it under-reports transactions). */
  readonly wcuReportedByLocal: number;
}

/** Metered DynamoDB counts divided by the events they were spent on. */
export const perEvent = (counts: Counts, events: number): PerEvent => {
  const t = totals(counts);
  return {
    wcu: round(t.wcu / events, 4),
    rcu: round(t.rcu / events, 4),
    calls: round(t.calls / events, 4),
    callsByOp: Object.fromEntries(
      Object.entries(counts.ops).map(([op, c]) => [op, round(c.calls / events, 4)]),
    ),
    wcuByTable: Object.fromEntries(
      Object.entries(counts.tables)
        .filter(([, c]) => c.wcu > 0)
        .map(([table, c]) => [table, round(c.wcu / events, 4)]),
    ),
    wcuReportedByLocal: round(t.wcuReportedByLocal / events, 4),
  };
};
