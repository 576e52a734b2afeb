import type { Envelope, ExtensionValue } from '../envelope';
import type { FenceEntry } from './fence';
import type { Condition, StateItem, StateUpdate, WriteOptions } from './state-ops';

export type { StateItem } from './state-ops';

/** One event as a handler sees it: validated, decoded, with its position in the log. */
export interface ConsumedEvent<TData = unknown> {
  readonly id: string;
  readonly type: string;
  readonly version: number;
  readonly source: string;
  readonly time: string;
  /** The partition key; events with the same key arrive in log order. */
  readonly key: string;
  readonly data: TData;
  readonly correlationId?: string;
  readonly causationId?: string;
  /** CloudEvents `subject`: what the event is about within its source, when the producer set it. */
  readonly subject?: string;
  /**
   * The producer's CloudEvents extension attributes by name (empty when none): integers and booleans
   * from structured mode in their JSON type, everything else (and every binary-mode header) as its
   * canonical string. Spine's own attributes are fields above, never here.
   */
  readonly extensions: Readonly<Record<string, ExtensionValue>>;
  readonly topic: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
  /** When Kinesis accepted the record (epoch ms). */
  readonly arrivedAt: number;
  readonly envelope: Envelope<TData>;
}

/**
 * A collected write; nothing reaches DynamoDB until the runtime commits the event. Only typed
 * operations exist (no DynamoDB expression strings), so the memory store and the DynamoDB store
 * evaluate the same thing (test/integration/consumer/state-ops-contract.test.ts holds them to it).
 */
export type StateWrite = (
  | { readonly kind: 'put'; readonly table: string; readonly item: StateItem; readonly if?: Condition }
  | {
      readonly kind: 'update';
      readonly table: string;
      readonly pk: string;
      readonly update: StateUpdate;
      readonly if?: Condition;
    }
  | { readonly kind: 'delete'; readonly table: string; readonly pk: string; readonly if?: Condition }
) & {
  /**
   * Position fences the runtime adds when it commits (never a handler): the write is conditional on
   * each unit's fence being below `first`, and leaves it at `last` (docs/consumer-single-item.md).
   */
  readonly fences?: readonly FenceEntry[];
};

/**
 * A write the single-item path may send alone: a put or an update. A delete always commits in the
 * transaction that moves its checkpoint (its re-runs are skipped by the checkpoint), leaving a tombstone
 * of fences that a sweep removes after a grace (docs/consumer-single-item.md, "Deletes").
 */
export type SingleWrite = Exclude<StateWrite, { readonly kind: 'delete' }>;

/**
 * What a handler may do. Reads see the service's committed state plus writes of earlier events in
 * the same commit; writes are collected and committed atomically with the event's checkpoint.
 */
export interface HandlerContext {
  get(table: string, pk: string): Promise<StateItem | undefined>;
  /** Writes the whole item (replacing any stored one), if `options.if` holds for the stored item. */
  put(table: string, item: StateItem, options?: WriteOptions): void;
  /**
   * Changes attributes of one item, creating it when missing, if `options.if` holds.
   * @example ctx.update('totals', key, { add: { total: 5 }, append: { seen: [id] } }, { if: { open: { eq: true } } })
   */
  update(table: string, pk: string, update: StateUpdate, options?: WriteOptions): void;
  /** Deletes one item (a missing one is fine), if `options.if` holds. */
  delete(table: string, pk: string, options?: WriteOptions): void;
  /**
   * A key that is the same on every delivery of this event: pass it to external systems (payment
   * providers, mailers) so a retried side effect is recognised there.
   */
  idempotencyKey(purpose?: string): string;
  /**
   * Emits an event of a type this service owns (single writer). It is validated now, written to the
   * outbox in the same transaction as this event's state changes, and published after the commit:
   * it reaches its topic if and only if the state change committed. Its id is derived from the
   * consumed event, so a redelivery emits the same id. `key` defaults to the type's key field.
   */
  emit(type: string, data: unknown, options?: EmitOptions): void;
  /**
   * Latest `data` for `key` in a table this service materializes from a topic (a KTable), read
   * through a small per-container cache whose entries are at most `maxAgeMs` old, or undefined after
   * a tombstone. @default maxAgeMs 1000
   */
  lookup(
    table: string,
    key: string,
    options?: { maxAgeMs?: number },
  ): Promise<Record<string, unknown> | undefined>;
}

export interface EmitOptions {
  /** Partition key override; defaults to `data[keyField]`. */
  readonly key?: string;
  /** Schema version; defaults to the latest. */
  readonly version?: number;
}

export type EventHandler<TData = unknown> = (
  event: ConsumedEvent<TData>,
  ctx: HandlerContext,
) => Promise<void> | void;

/** Where a subscription stands on one shard. */
export interface ShardPosition {
  readonly service: string;
  readonly topic: string;
  /** The shard id; a replay, rebuild or redrive session's carries its scope (shared/layout `scopedShardId`). */
  readonly shardId: string;
}
