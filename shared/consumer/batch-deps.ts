import type { Catalog } from '../catalog';
import type { SchemaRegistry } from '../schemas';
import type { Backoff } from './backoff';
import type { LookupCache } from './context';
import type { CopyDeps } from './copies';
import type { EventPublisher } from './publisher';
import type { RecoveryDeps } from './recovery';
import type { ConsumerStore } from './store';
import type { SweepSchedule } from './sweep';
import type { EventHandler } from './types';

/**
 * Log messages other parts key on: the deployed stack's metric filters count these lines (parked
 * events, handler failures), so they are constants, not free text.
 */
export const LOG_MESSAGES = {
  parked: 'event parked',
  handlerFailed: 'handler failed; retrying from this event',
  retryLater: 'infrastructure failure; retrying later, not an attempt',
  died: 'previous invocation died on this batch; careful mode',
  busy: 'another invocation may still run on this record; retrying later, not an attempt',
  deadline: 'deadline near; answering early from this event',
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
  readonly handler: EventHandler;
  readonly store: ConsumerStore;
  readonly schemas: SchemaRegistry;
  readonly publisher: EventPublisher;
  readonly lookups: LookupCache;
  /** Attempts per event (catalog retry policy) before it is parked: handler failures, overruns and deaths. */
  readonly maxAttempts: number;
  /**
   * Records older than this (by Kinesis arrival time) when the batch reaches them are parked whole,
   * unapplied, instead of applied: the catalog's `retry.maxRecordAgeSeconds`, owned here rather than
   * by the mapping, whose give-up would leave only metadata. Only for the mapping's own deliveries:
   * `defineConsumer` leaves it out for the CLI's re-deliveries, and a scoped shard (redrive, replay
   * session) never uses it, since re-delivered records are old by nature. @default none
   */
  readonly maxRecordAgeMs?: number;
  /** Keep the latest data per key in this table (a table subscription). */
  readonly materialize?: { readonly table: string; readonly tombstones: ReadonlySet<string> };
  /**
   * Fold writes of several events to one item into one write per commit, with read-your-writes over
   * the batch (the catalog's subscription `coalesce`). Off: an event touching a pending item, or
   * reading one with a pending update, commits first. @default true
   */
  readonly coalesce?: boolean;
  /** `suppress` validates emits but drops them (state-only replays). @default 'publish' */
  readonly emits?: 'publish' | 'suppress';
  /** How old another batch's outbox leftover must be before this invocation may recover it; see `recoverOutbox`. */
  readonly outboxLeaseMs?: number;
  /**
   * `shard`: one checkpoint per shard, the cheap default (parallelization factor 1). `key`: one marker
   * per partition key, required when Lambda runs several batches of a shard at once. Either mode reads
   * the other's progress, so changing the factor never applies an event twice. @default 'shard'
   */
  readonly checkpoints?: 'shard' | 'key';
  /** Time left in the invocation (Lambda's `getRemainingTimeInMillis`). @default unbounded */
  readonly remainingMs?: () => number;
  /** No event starts with less time left than this; it is also what a commit and the answer may take. @default 2000 */
  readonly deadlineMarginMs?: number;
  /** Per-container schedule of tombstone sweeps (end-sweep.ts); none: sweep only after batches that may need it. */
  readonly sweeps?: SweepSchedule;
  /** Per-container backoff for infrastructure failures; none: answer at once. */
  readonly backoff?: Backoff;
  readonly log?: Log;
}
