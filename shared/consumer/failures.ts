import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';

/**
 * Who gives up on a failure. `infrastructure`: the store or the log could not answer now (throttles,
 * conflicts, timeouts, 5xx); retrying later succeeds, so it is never an attempt of the event and never
 * parks it. `deterministic`: the same event would fail the same way again (handler bug, invalid write,
 * oversize item); it is an attempt, and after `maxAttempts` the event is parked.
 */
export type FailureKind = 'infrastructure' | 'deterministic';

/** An error as one log or checkpoint line: `Name: message` (never its stack). */
export const describeError = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/** Stable `code`s of Spine errors that mean "retry later". The dedupe helper's errors may set `retryLater`. */
const INFRA_CODES = new Set([
  'CHECKPOINT_CONFLICT',
  'OUTBOX_PUBLISH_FAILED',
  'STORE_UNAVAILABLE',
  'RETRY_LATER',
  'OUTBOX_RECOVERY_DEFERRED',
  'LOG_SEARCH_INCOMPLETE',
  // Handled by the runtime before it classifies; should one escape, a retry re-reads the fence.
  'ALREADY_APPLIED',
]);
/** AWS SDK error names of throttling, contention and transient service faults. */
const INFRA_NAMES = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TransactionConflictException',
  'TransactionInProgressException',
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'LimitExceededException',
  'KMSThrottlingException',
]);
/** Node socket errors: the request may or may not have reached the service. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ECONNABORTED',
]);
/** Cancellation reasons of a transaction that a later try can pass. */
const INFRA_CANCELLATIONS = new Set([
  'TransactionConflict',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
  'RequestLimitExceeded',
]);
/** Reasons that name the transaction's own content: retrying the same items fails again. */
const DETERMINISTIC_CANCELLATIONS = new Set([
  'ConditionalCheckFailed',
  'ValidationError',
  'ItemCollectionSizeLimitExceeded',
]);

const field = (error: unknown, name: string): unknown =>
  typeof error === 'object' && error !== null ? (error as Record<string, unknown>)[name] : undefined;

const cancellationKind = (error: TransactionCanceledException): FailureKind => {
  const codes = (error.CancellationReasons ?? []).map((r) => r?.Code ?? 'None');
  if (codes.some((c) => DETERMINISTIC_CANCELLATIONS.has(c))) return 'deterministic';
  return codes.some((c) => INFRA_CANCELLATIONS.has(c)) ? 'infrastructure' : 'deterministic';
};

/** One row per rule, first match wins; anything unmatched is deterministic (an attempt, then parked). */
const RULES: readonly { readonly why: string; readonly kind: (e: unknown) => FailureKind | undefined }[] = [
  {
    why: 'spine retry-later code',
    kind: (e) => (INFRA_CODES.has(String(field(e, 'code'))) ? 'infrastructure' : undefined),
  },
  {
    why: 'marked retry later',
    kind: (e) => (field(e, 'retryLater') === true ? 'infrastructure' : undefined),
  },
  {
    why: 'transaction cancelled',
    kind: (e) => (e instanceof TransactionCanceledException ? cancellationKind(e) : undefined),
  },
  {
    why: 'throttle or transient fault',
    kind: (e) => (INFRA_NAMES.has(String(field(e, 'name'))) ? 'infrastructure' : undefined),
  },
  {
    why: 'network',
    kind: (e) => (NETWORK_CODES.has(String(field(e, 'code'))) ? 'infrastructure' : undefined),
  },
  {
    why: 'server error',
    kind: (e) => {
      const status = field(field(e, '$metadata'), 'httpStatusCode');
      return typeof status === 'number' && status >= 500 ? 'infrastructure' : undefined;
    },
  },
  {
    why: 'sdk says retryable',
    kind: (e) => (field(e, '$retryable') !== undefined ? 'infrastructure' : undefined),
  },
];

/**
 * Classifies a failure of the runtime's own calls (commit, checkpoint writes, outbox, publish) or a
 * handler's. Handler exceptions are deterministic unless they are a store read the runtime made for the
 * handler (`StoreUnavailableError`), whatever the handler's own error looks like: a payment provider
 * timing out is the handler's business, retried as an attempt.
 */
export const classifyFailure = (error: unknown, origin: 'runtime' | 'handler' = 'runtime'): FailureKind => {
  if (origin === 'handler')
    return field(error, 'code') === 'STORE_UNAVAILABLE' ? 'infrastructure' : 'deterministic';
  for (const rule of RULES) {
    const kind = rule.kind(error);
    if (kind) return kind;
  }
  return 'deterministic';
};

/** A store read on a handler's behalf failed for infrastructure reasons; not the handler's attempt. */
export class StoreUnavailableError extends Error {
  readonly code = 'STORE_UNAVAILABLE';
  constructor(options: { cause: unknown }) {
    super('state store read failed for infrastructure reasons; the batch is retried', options);
    this.name = 'StoreUnavailableError';
  }
}
