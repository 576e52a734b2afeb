/** One problem with one event of a request: which event, where in it, and what was expected. */
export interface EventProblem {
  /** Position of the event in the request (0 for single-event modes). */
  readonly index: number;
  /** JSON pointer into the event as sent, e.g. `/data/items/0/quantity` or `/type`; `''` is the event. */
  readonly path: string;
  readonly message: string;
  readonly expected?: string;
}

export type IngressErrorCode =
  | 'MALFORMED_REQUEST'
  | 'INVALID_EVENTS'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'UNKNOWN_TOPIC'
  | 'NOT_FOUND'
  | 'IDEMPOTENCY_CONFLICT'
  | 'IDEMPOTENCY_IN_FLIGHT'
  | 'IDEMPOTENCY_UNDECIDABLE'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'THROTTLED'
  | 'UNAVAILABLE';

const STATUS: Record<IngressErrorCode, number> = {
  MALFORMED_REQUEST: 400,
  INVALID_EVENTS: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  UNKNOWN_TOPIC: 404,
  NOT_FOUND: 404,
  IDEMPOTENCY_CONFLICT: 409,
  IDEMPOTENCY_IN_FLIGHT: 409,
  IDEMPOTENCY_UNDECIDABLE: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  THROTTLED: 429,
  UNAVAILABLE: 503,
};

/**
 * A request the ingress refuses, with everything the edge needs to answer it: a stable `code`, the HTTP
 * status, per-event problems and, for retryable answers, `Retry-After`. The message is shown to the
 * caller, so it never carries internals (5xx messages are fixed texts).
 */
export class IngressError extends Error {
  readonly status: number;
  /** Additional body fields (e.g. the results of the events written before a partial failure). */
  readonly extra: Record<string, unknown> | undefined;
  constructor(
    readonly code: IngressErrorCode,
    message: string,
    readonly problems: readonly EventProblem[] = [],
    readonly retryAfterSeconds?: number,
    options?: { cause?: unknown; extra?: Record<string, unknown> },
  ) {
    super(message, options);
    this.name = 'IngressError';
    this.status = STATUS[code];
    this.extra = options?.extra;
  }
}

export const isIngressError = (error: unknown): error is IngressError =>
  error instanceof IngressError ||
  (error instanceof Error &&
    error.name === 'IngressError' &&
    typeof (error as { status?: unknown }).status === 'number');

/**
 * `complete` by a claimant whose claim was taken over after its lease ran out (the in-memory store's
 * form of DynamoDB's failed condition). The event is in the log either way; the new claimant owns the key.
 */
export class ClaimLostError extends Error {
  readonly code = 'IDEMPOTENCY_CLAIM_LOST';
  constructor(
    readonly pk: string,
    options?: { cause?: unknown },
  ) {
    super(`The idempotency claim ${pk} is no longer held by this claimant.`, options);
    this.name = 'ClaimLostError';
  }
}

export const isClaimLostError = (error: unknown): error is ClaimLostError =>
  error instanceof Error && (error as { code?: unknown }).code === 'IDEMPOTENCY_CLAIM_LOST';

/**
 * The search could not reach the tip of the shard in its bounds: an event not in `found` may or may not
 * be there. `progress` passes the records of the events in `found`, so a search resumed from it never
 * sees them again: a caller that keeps `progress` must take `found` as written (a resumed search would
 * answer those events "absent").
 */
export class LogSearchIncompleteError extends Error {
  readonly code = 'LOG_SEARCH_INCOMPLETE';
  constructor(
    readonly shardId: string,
    options?: { cause?: unknown },
    /** Shard id -> the last sequence number read, for a later search to resume after. */
    readonly progress: Readonly<Record<string, string>> = {},
    /** In the order of the events searched for: the record found for each before the search stopped. */
    readonly found: readonly (
      | { readonly shardId: string; readonly sequenceNumber: string }
      | undefined
    )[] = [],
  ) {
    super(`Searching shard ${shardId} for an event did not reach the tip within its bounds.`, options);
    this.name = 'LogSearchIncompleteError';
  }
}

export const isLogSearchIncompleteError = (error: unknown): error is LogSearchIncompleteError =>
  error instanceof Error && (error as { code?: unknown }).code === 'LOG_SEARCH_INCOMPLETE';

/**
 * The search could not prove the event absent because the log no longer holds where it starts: the
 * stream's retention (read now, so a lowered one counts at once) ends after the key's first claim. The
 * event may have been written and dropped since; writing it again could make a second copy that no
 * consumer can match, so the ingress writes nothing and says so.
 */
export class LogSearchTrimmedError extends Error {
  readonly code = 'LOG_SEARCH_TRIMMED';
  constructor(
    readonly streamName: string,
    readonly retentionHours: number,
    options?: { cause?: unknown },
  ) {
    super(
      `Stream ${streamName} keeps ${retentionHours} h of records, less than the age of the search's start.`,
      options,
    );
    this.name = 'LogSearchTrimmedError';
  }
}

export const isLogSearchTrimmedError = (error: unknown): error is LogSearchTrimmedError =>
  error instanceof Error && (error as { code?: unknown }).code === 'LOG_SEARCH_TRIMMED';

/** A call cut by `withinDeadline`: the caller's deadline came before its answer. */
export class DeadlineReachedError extends Error {
  readonly code = 'DEADLINE_REACHED';
  constructor(readonly deadline: number) {
    super(`No answer before the deadline (${new Date(deadline).toISOString()}).`);
    this.name = 'DeadlineReachedError';
  }
}

export const isDeadlineReachedError = (error: unknown): error is DeadlineReachedError =>
  error instanceof Error && (error as { code?: unknown }).code === 'DEADLINE_REACHED';
