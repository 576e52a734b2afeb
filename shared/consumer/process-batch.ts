import type { KinesisStreamBatchResponse, KinesisStreamRecord } from 'aws-lambda';
import type { Catalog } from '../catalog';
import type { SchemaRegistry } from '../schemas';
import { createEventContext, type LookupCache } from './context';
import { type CopyDeps, classifyCopies } from './copies';
import { isCheckpointConflictError, isPoisonRecordError } from './errors';
import { buildEmitted } from './outbox';
import { PendingWrites } from './pending';
import type { EventPublisher } from './publisher';
import { shardIdOf, streamNameOf, toConsumedEvent } from './records';
import { type RecoveryDeps, recoverOutbox } from './recovery';
import { type ConsumerStore, compareSequence, keyMarkerSk, type ShardPosition } from './store';
import type { ConsumedEvent, EventHandler, StateWrite } from './types';

/**
 * Log messages other parts key on: the deployed stack's metric filters count these lines (parked
 * events, handler failures), so they are constants, not free text.
 */
export const LOG_MESSAGES = {
  parked: 'event parked',
  handlerFailed: 'handler failed; retrying from this event',
} as const;

export type Log = (
  level: 'info' | 'warn' | 'error',
  message: string,
  fields?: Record<string, unknown>,
) => void;

export interface BatchDeps extends CopyDeps, RecoveryDeps {
  readonly catalog: Catalog;
  readonly service: string;
  readonly topic: string;
  /** Checkpoint namespace for replay/redrive sessions; see `ShardPosition.scope`. @default live */
  readonly scope?: string;
  readonly handler: EventHandler;
  readonly store: ConsumerStore;
  readonly schemas: SchemaRegistry;
  readonly publisher: EventPublisher;
  readonly lookups: LookupCache;
  /** Attempts per event (catalog retry policy) before it is parked. */
  readonly maxAttempts: number;
  /** Keep the latest data per key in this table (a table subscription). */
  readonly materialize?: { readonly table: string; readonly tombstones: ReadonlySet<string> };
  /** `suppress` validates emits but drops them (state-only replays). @default 'publish' */
  readonly emits?: 'publish' | 'suppress';
  /** How old another batch's outbox leftover must be before this invocation may recover it; see `recoverOutbox`. */
  readonly outboxLeaseMs?: number;
  /**
   * `shard`: one checkpoint per shard, the cheap default (parallelization factor 1). `key`: one marker
   * per partition key, required when Lambda runs several batches of a shard at once. @default 'shard'
   */
  readonly checkpoints?: 'shard' | 'key';
  readonly log?: Log;
}

const describe = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);
const arrivedAtOf = (r: KinesisStreamRecord): number =>
  Math.round(r.kinesis.approximateArrivalTimestamp * 1000);

/** The state change a table subscription makes before the handler runs: upsert the latest value, or delete. */
const materialization = (deps: BatchDeps, event: ConsumedEvent): StateWrite[] => {
  const m = deps.materialize;
  if (!m) return [];
  if (m.tombstones.has(event.type)) return [{ kind: 'delete', table: m.table, pk: event.key }];
  return [
    {
      kind: 'put',
      table: m.table,
      item: { pk: event.key, value: event.data, eventId: event.id, type: event.type, time: event.time },
    },
  ];
};

/**
 * Applies one Lambda batch (always one shard) in order. Events at or below the checkpoint are skipped
 * (already applied); the rest run through the handler and commit, with their emitted events in the
 * outbox, in one transaction that moves the checkpoint. Emitted events are published after the
 * commit. On the first failure it commits what succeeded and reports that event as the first batch
 * item failure, so the event source mapping retries exactly the failed tail, in order. After
 * `maxAttempts` the event is parked with its whole payload and the shard moves on.
 */
export const processBatch = async (
  records: readonly KinesisStreamRecord[],
  deps: BatchDeps,
): Promise<KinesisStreamBatchResponse> => {
  const first = records[0];
  const last = records[records.length - 1];
  if (!first || !last) return { batchItemFailures: [] };
  const position: ShardPosition = {
    service: deps.service,
    topic: deps.topic,
    shardId: shardIdOf(first),
    ...(deps.scope && { scope: deps.scope }),
  };
  // Log fields name the shard; the service is already the logger's own `service` key.
  const where = {
    topic: position.topic,
    shardId: position.shardId,
    ...(position.scope && { scope: position.scope }),
  };
  const skOf = (r: KinesisStreamRecord): string =>
    deps.checkpoints === 'key' ? keyMarkerSk(position.shardId, r.kinesis.partitionKey) : position.shardId;
  /** Last committed sequence number per checkpoint item, kept current as this invocation commits. */
  const applied = new Map<string, string | undefined>();
  const isApplied = (r: KinesisStreamRecord): boolean => {
    const done = applied.get(skOf(r));
    return done !== undefined && compareSequence(r.kinesis.sequenceNumber, done) <= 0;
  };
  const pending = new PendingWrites();

  const publish = async (entries: ReturnType<PendingWrites['outbox']>) => {
    if (entries.length === 0) return;
    await deps.publisher.publish(entries);
    await deps.store.deleteOutbox(
      position,
      entries.map((e) => e.sk),
    );
  };
  const commitPending = async () => {
    if (pending.empty) return;
    const outbox = pending.outbox();
    const moves = pending.checkpointMoves();
    await deps.store.commit({ position, moves, writes: pending.writes(), outbox });
    for (const m of moves) applied.set(m.sk, m.next.sequenceNumber);
    pending.clear();
    await publish(outbox);
  };
  const park = async (record: KinesisStreamRecord, error: unknown, attempts: number, details = {}) => {
    await commitPending();
    const sequenceNumber = record.kinesis.sequenceNumber;
    const arrivedAt = arrivedAtOf(record);
    const sk = skOf(record);
    await deps.store.commit({
      position,
      moves: [{ sk, expected: applied.get(sk), next: { sequenceNumber, arrivedAt } }],
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
    applied.set(sk, sequenceNumber);
    deps.log?.('warn', LOG_MESSAGES.parked, { ...where, sequenceNumber, attempts, error: describe(error) });
  };

  try {
    // Emitted events a crashed invocation committed but did not publish go out first, in order.
    await recoverOutbox(
      position,
      deps,
      deps.checkpoints === 'key' ? new Set(records.map((r) => r.kinesis.partitionKey)) : undefined,
      streamNameOf(first.eventSourceARN),
    );
    const checkpoints = await deps.store.loadCheckpoints(position, [...new Set(records.map(skOf))]);
    for (const [sk, checkpoint] of checkpoints) applied.set(sk, checkpoint.sequenceNumber);
    // Copies in the log (docs/consumer-runtime.md): a duplicate moves the checkpoint like an applied
    // event with nothing to write; undecided stops here, not counted as a handler attempt.
    const copies = await classifyCopies(records, isApplied, deps, deps.deadline ?? Date.now() + 10_000);
    for (const record of records) {
      const seq = record.kinesis.sequenceNumber;
      const sk = skOf(record);
      if (isApplied(record)) continue;
      const copy = copies.get(seq);
      if (copy?.kind === 'undecided') {
        await commitPending();
        return { batchItemFailures: [{ itemIdentifier: seq }] };
      }
      if (copy) {
        if (pending.mustCommitBefore([], [], sk)) await commitPending();
        pending.add([], [], sk, applied.get(sk), { sequenceNumber: seq, arrivedAt: arrivedAtOf(record) });
        continue;
      }
      let event: ConsumedEvent;
      try {
        event = toConsumedEvent(record, deps.topic, deps.schemas);
      } catch (error) {
        if (!isPoisonRecordError(error)) throw error;
        await park(record, error, 1, { errorDetails: error.details });
        continue;
      }
      const { ctx, writes, emits } = createEventContext({
        service: deps.service,
        event,
        store: deps.store,
        pending,
        commitPending,
        lookups: deps.lookups,
        buildEmit: (index, type, data, options) =>
          buildEmitted(deps.catalog, deps.schemas, deps.service, event, index, type, data, options),
      });
      try {
        for (const write of materialization(deps, event)) {
          if (write.kind === 'put') ctx.put(write.table, write.item);
          else if (write.kind === 'delete') ctx.delete(write.table, write.pk);
        }
        await deps.handler(event, ctx);
      } catch (error) {
        await commitPending();
        const failure = checkpoints.get(sk)?.failure;
        const previous = failure?.sequenceNumber === seq ? failure.attempts : 0;
        const attempts = previous + 1;
        if (attempts >= deps.maxAttempts) {
          await park(record, error, attempts, { eventId: event.id, eventType: event.type });
          continue;
        }
        await deps.store.recordFailure(position, sk, applied.get(sk), {
          sequenceNumber: seq,
          attempts,
          error: describe(error),
        });
        deps.log?.('warn', LOG_MESSAGES.handlerFailed, { ...where, seq, attempts });
        return { batchItemFailures: [{ itemIdentifier: seq }] };
      }
      const mine = writes();
      const emitted = deps.emits === 'suppress' ? [] : emits();
      if (pending.mustCommitBefore(mine, emitted, sk)) await commitPending();
      pending.add(mine, emitted, sk, applied.get(sk), { sequenceNumber: seq, arrivedAt: event.arrivedAt });
    }
    await commitPending();
    return { batchItemFailures: [] };
  } catch (error) {
    // A lost race, a store outage or an unpublished outbox: nothing uncommitted was applied.
    // Retry from the first unapplied record, or from the last one when all were applied but their
    // emitted events still wait in the outbox (the retry skips the events and publishes those first).
    const unapplied = records.find((r) => !isApplied(r));
    const retryFrom = (unapplied ?? last).kinesis.sequenceNumber;
    deps.log?.(isCheckpointConflictError(error) ? 'warn' : 'error', 'batch stopped', {
      ...where,
      retryFrom,
      error: describe(error),
    });
    return { batchItemFailures: [{ itemIdentifier: retryFrom }] };
  }
};
