/** A write named a table the service does not own (not declared in its catalog entry). */
export class UnknownTableError extends Error {
  readonly code = 'UNKNOWN_TABLE';
  constructor(
    readonly service: string,
    readonly table: string,
    readonly known: readonly string[],
  ) {
    super(`service "${service}" has no table "${table}"; its tables: ${known.join(', ') || '(none)'}`);
    this.name = 'UnknownTableError';
  }
}

/** The record could not be turned into a valid event; it is parked at once, never retried. */
export class PoisonRecordError extends Error {
  readonly code = 'POISON_RECORD';
  constructor(
    message: string,
    readonly details: readonly { path: string; message: string }[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PoisonRecordError';
  }
}

/** Another invocation moved this shard's checkpoint first; this one must stop and let the ESM retry. */
export class CheckpointConflictError extends Error {
  readonly code = 'CHECKPOINT_CONFLICT';
  constructor(
    readonly shardKey: string,
    options?: { cause?: unknown },
  ) {
    super(
      `checkpoint for ${shardKey} moved under this invocation; stopping so the batch is retried`,
      options,
    );
    this.name = 'CheckpointConflictError';
  }
}

export const isPoisonRecordError = (error: unknown): error is PoisonRecordError =>
  error instanceof Error && (error as { code?: unknown }).code === 'POISON_RECORD';
export const isCheckpointConflictError = (error: unknown): error is CheckpointConflictError =>
  error instanceof Error && (error as { code?: unknown }).code === 'CHECKPOINT_CONFLICT';

/**
 * Outbox recovery cannot finish now without risking a blind publish: another invocation holds a claim
 * on a leftover (until its lease ends), or the log search could not decide by the deadline. The
 * runtime stops the batch before applying anything and the event source mapping retries it; this is
 * not a handler failure, so it never counts towards parking.
 */
export class OutboxRecoveryDeferredError extends Error {
  readonly code = 'OUTBOX_RECOVERY_DEFERRED';
  constructor(
    readonly reason: 'claimed-elsewhere' | 'search-undecided',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OutboxRecoveryDeferredError';
  }
}

export const isOutboxRecoveryDeferredError = (error: unknown): error is OutboxRecoveryDeferredError =>
  error instanceof Error && (error as { code?: unknown }).code === 'OUTBOX_RECOVERY_DEFERRED';

/**
 * The previous invocation died (timeout, out-of-memory kill or crash) while applying this event, as
 * many times as `deaths`; with no catch or finally, only the attempt-start mark on the checkpoint
 * item tells. After `maxAttempts` such deaths the runtime parks the event with this error.
 */
export class InvocationDiedError extends Error {
  readonly code = 'INVOCATION_DIED';
  constructor(readonly deaths: number) {
    super(
      `the invocation died ${deaths} time(s) (Lambda timeout, out-of-memory kill or crash) on this event`,
    );
    this.name = 'InvocationDiedError';
  }
}

/** A handler did not settle before the invocation's deadline; its writes were discarded (an attempt). */
export class HandlerOverranError extends Error {
  readonly code = 'HANDLER_OVERRAN';
  constructor(readonly budgetMs: number) {
    super(`handler overran its deadline (${budgetMs} ms left in the invocation); its writes were discarded`);
    this.name = 'HandlerOverranError';
  }
}

/** One event's own writes cannot fit one DynamoDB transaction; it is parked at once, never retried. */
export class EventTooLargeError extends Error {
  readonly code = 'EVENT_TOO_LARGE';
  constructor(message: string) {
    super(message);
    this.name = 'EventTooLargeError';
  }
}

/**
 * The record was older than the subscription's `retry.maxRecordAgeSeconds` when its batch reached it:
 * parked whole, unapplied, never retried, where redrive can apply it on purpose.
 */
export class RecordTooOldError extends Error {
  readonly code = 'RECORD_TOO_OLD';
  constructor(
    readonly ageMs: number,
    readonly maxAgeMs: number,
  ) {
    super(
      `the record arrived ${Math.round(ageMs / 1000)} s ago; the subscription applies records up to ${maxAgeMs / 1000} s old (retry.maxRecordAgeSeconds)`,
    );
    this.name = 'RecordTooOldError';
  }
}

export const isRecordTooOldError = (error: unknown): error is RecordTooOldError =>
  error instanceof Error && (error as { code?: unknown }).code === 'RECORD_TOO_OLD';
export const isInvocationDiedError = (error: unknown): error is InvocationDiedError =>
  error instanceof Error && (error as { code?: unknown }).code === 'INVOCATION_DIED';
export const isHandlerOverranError = (error: unknown): error is HandlerOverranError =>
  error instanceof Error && (error as { code?: unknown }).code === 'HANDLER_OVERRAN';
export const isEventTooLargeError = (error: unknown): error is EventTooLargeError =>
  error instanceof Error && (error as { code?: unknown }).code === 'EVENT_TOO_LARGE';

/** A typed service definition (`defineService`) that does not fit its catalog entry; fails at cold start. */
export class ServiceDefinitionError extends Error {
  readonly code = 'SERVICE_DEFINITION';
  constructor(
    readonly service: string,
    problem: string,
  ) {
    super(`defineService(${service}): ${problem}`);
    this.name = 'ServiceDefinitionError';
  }
}

export const isServiceDefinitionError = (error: unknown): error is ServiceDefinitionError =>
  error instanceof Error && (error as { code?: unknown }).code === 'SERVICE_DEFINITION';

/**
 * A typed state operation that no store can run: an empty update, the key `pk` changed, an attribute in
 * two clauses, an undefined value, an empty or unknown test. A handler bug, thrown when the handler
 * calls `ctx.put/update/delete`, so it counts as the event's failed attempt and never reaches a commit.
 */
export class InvalidStateOpError extends Error {
  readonly code = 'INVALID_STATE_OP';
  constructor(
    readonly table: string,
    readonly pk: string,
    problem: string,
  ) {
    super(`${table}/${pk}: ${problem}`);
    this.name = 'InvalidStateOpError';
  }
}

export const isInvalidStateOpError = (error: unknown): error is InvalidStateOpError =>
  error instanceof Error && (error as { code?: unknown }).code === 'INVALID_STATE_OP';

/**
 * A position fence shows the event (or an event of the same commit) already applied by an earlier or
 * concurrent invocation: a handler's read found the item fenced at or past the event, or a write's
 * fence condition failed. Not a failure: the runtime moves the checkpoint over the event without
 * writing (docs/consumer-single-item.md).
 */
export class AlreadyAppliedError extends Error {
  readonly code = 'ALREADY_APPLIED';
  constructor(
    readonly where: 'read' | 'write',
    readonly table: string,
    readonly pk: string,
  ) {
    super(`${table}/${pk}: a position fence shows this event already applied (${where})`);
    this.name = 'AlreadyAppliedError';
  }
}

export const isAlreadyAppliedError = (error: unknown): error is AlreadyAppliedError =>
  error instanceof Error && (error as { code?: unknown }).code === 'ALREADY_APPLIED';
