import type { KinesisStreamRecord } from 'aws-lambda';
import type { RunFacts } from './context';
import { unitOf } from './fence';
import type { OutboxEntry } from './outbox';
import { eventWriteKey, type PendingWrites } from './pending';
import type { SingleWrite, StateWrite } from './types';

/** Where the batch runs, as far as the single-item path cares (docs/consumer-single-item.md). */
export interface SinglePathScope {
  /** Shard checkpoints, live (not a replay, rebuild or redrive session), not careful mode. */
  readonly allowed: boolean;
  readonly coalesce: boolean;
  /** Index of the last record of each partition key in the batch. */
  readonly lastOfKey: ReadonlyMap<string, number>;
}

export const lastIndexOfKeys = (records: readonly KinesisStreamRecord[]): Map<string, number> =>
  new Map(records.map((r, i) => [r.kinesis.partitionKey, i]));

/**
 * The event's one write when it may go alone as a fenced single write, else undefined (transaction).
 * Alone only when: it wrote one item and emitted nothing; its handler read nothing but that item and
 * made no lookup (so a re-run of an applied event reads or writes that very item, and its fence
 * says so); nothing but checkpoint moves is pending (the write must not overtake an earlier event's:
 * the prefix property); and, coalescing, no later record of the batch has its partition key (those
 * may fold into one transaction, which is cheaper still). Never a delete: it commits in the transaction
 * that moves the checkpoint past it, which skips its re-runs; its tombstone fences late writes only.
 */
export const aloneWrite = (
  scope: SinglePathScope,
  index: number,
  record: KinesisStreamRecord,
  out: {
    readonly writes: readonly StateWrite[];
    readonly emits: readonly OutboxEntry[];
    readonly facts: RunFacts;
  },
  pending: PendingWrites,
): SingleWrite | undefined => {
  const [write, ...more] = out.writes;
  if (!scope.allowed || !write || more.length > 0 || out.emits.length > 0) return undefined;
  if (write.kind === 'delete') return undefined;
  if (out.facts.lookedUp || !pending.writeless) return undefined;
  const key = eventWriteKey(write);
  if ([...out.facts.reads].some((r) => r !== key)) return undefined;
  if (scope.coalesce && (scope.lastOfKey.get(record.kinesis.partitionKey) ?? index) > index) return undefined;
  return write;
};

/** Units whose fence at or past a record proves it applied: the shard's (fences are written in shard mode only). */
export const fenceUnitsOf = (topic: string, shardId: string): string[] => [unitOf(topic, shardId)];
