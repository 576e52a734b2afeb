import type { KinesisStreamBatchResponse, KinesisStreamRecord } from 'aws-lambda';
import type { SchemaRegistry } from '../schemas';
import { createEventContext } from './context';
import { isCheckpointConflictError, isPoisonRecordError } from './errors';
import { PendingWrites } from './pending';
import { shardIdOf, toConsumedEvent } from './records';
import { type Checkpoint, type ConsumerStore, compareSequence, type ShardPosition } from './store';
import type { EventHandler } from './types';

export interface BatchDeps {
  readonly service: string;
  readonly topic: string;
  readonly handler: EventHandler;
  readonly store: ConsumerStore;
  readonly schemas: SchemaRegistry;
  /** Attempts per event (catalog retry policy) before it is parked. */
  readonly maxAttempts: number;
  readonly log?: (
    level: 'info' | 'warn' | 'error',
    message: string,
    fields?: Record<string, unknown>,
  ) => void;
}

const describe = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);
const arrivedAtOf = (r: KinesisStreamRecord): number =>
  Math.round(r.kinesis.approximateArrivalTimestamp * 1000);

/**
 * Applies one Lambda batch (always one shard) in order. Events at or below the checkpoint are skipped
 * (already applied); the rest run through the handler and commit with the checkpoint. On the first
 * failure it commits what succeeded and reports that event as the first batch item failure, so the
 * event source mapping retries exactly the failed tail, in order. After `maxAttempts` the event is
 * parked with its whole payload and the shard moves on.
 */
export const processBatch = async (
  records: readonly KinesisStreamRecord[],
  deps: BatchDeps,
): Promise<KinesisStreamBatchResponse> => {
  const first = records[0];
  if (!first) return { batchItemFailures: [] };
  const position: ShardPosition = { service: deps.service, topic: deps.topic, shardId: shardIdOf(first) };
  const checkpoint: Checkpoint = await deps.store.loadCheckpoint(position);
  let expected = checkpoint.sequenceNumber;
  const pending = new PendingWrites();

  const commitPending = async () => {
    if (!pending.last) return;
    await deps.store.commit({ position, expected, next: pending.last, writes: pending.writes() });
    expected = pending.last.sequenceNumber;
    pending.clear();
  };
  const park = async (record: KinesisStreamRecord, error: unknown, attempts: number, details = {}) => {
    await commitPending();
    const sequenceNumber = record.kinesis.sequenceNumber;
    const arrivedAt = arrivedAtOf(record);
    await deps.store.commit({
      position,
      expected,
      next: { sequenceNumber, arrivedAt },
      writes: [],
      park: {
        position,
        sequenceNumber,
        partitionKey: record.kinesis.partitionKey,
        data: record.kinesis.data,
        error: describe(error),
        attempts,
        arrivedAt,
        ...details,
      },
    });
    expected = sequenceNumber;
    deps.log?.('warn', 'event parked', { ...position, sequenceNumber, attempts, error: describe(error) });
  };

  try {
    for (const record of records) {
      const seq = record.kinesis.sequenceNumber;
      if (expected !== undefined && compareSequence(seq, expected) <= 0) continue;
      let event: ReturnType<typeof toConsumedEvent>;
      try {
        event = toConsumedEvent(record, deps.topic, deps.schemas);
      } catch (error) {
        if (!isPoisonRecordError(error)) throw error;
        await park(record, error, 1, { errorDetails: error.details });
        continue;
      }
      const { ctx, writes } = createEventContext(deps.service, event, deps.store, pending, commitPending);
      try {
        await deps.handler(event, ctx);
      } catch (error) {
        await commitPending();
        const previous = checkpoint.failure?.sequenceNumber === seq ? checkpoint.failure.attempts : 0;
        const attempts = previous + 1;
        if (attempts >= deps.maxAttempts) {
          await park(record, error, attempts, { eventId: event.id, eventType: event.type });
          continue;
        }
        await deps.store.recordFailure(position, expected, {
          sequenceNumber: seq,
          attempts,
          error: describe(error),
        });
        deps.log?.('warn', 'handler failed; retrying from this event', { ...position, seq, attempts });
        return { batchItemFailures: [{ itemIdentifier: seq }] };
      }
      const mine = writes();
      if (pending.mustCommitBefore(mine)) await commitPending();
      pending.add(mine, { sequenceNumber: seq, arrivedAt: event.arrivedAt });
    }
    await commitPending();
    return { batchItemFailures: [] };
  } catch (error) {
    // A race lost or a store outage: nothing after `expected` was applied; retry from the first unapplied record.
    const unapplied = records.find(
      (r) => expected === undefined || compareSequence(r.kinesis.sequenceNumber, expected) > 0,
    );
    if (!unapplied) return { batchItemFailures: [] };
    const retryFrom = unapplied.kinesis.sequenceNumber;
    deps.log?.(isCheckpointConflictError(error) ? 'warn' : 'error', 'batch stopped', {
      ...position,
      retryFrom,
      error: describe(error),
    });
    return { batchItemFailures: [{ itemIdentifier: retryFrom }] };
  }
};
