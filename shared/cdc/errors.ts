/**
 * The stream handler was invoked before the source's snapshot finished. The batch fails on purpose:
 * the mapping retries it (it never gives up, see `eventSourceMappingSettings`), so the stream waits at
 * the position taken before the snapshot. Not a handler attempt; nothing is parked.
 */
export class SnapshotPendingError extends Error {
  readonly code = 'CDC_SNAPSHOT_PENDING';
  constructor(readonly source: string) {
    super(`CDC source "${source}": the snapshot has not finished; the stream waits for it`);
    this.name = 'SnapshotPendingError';
  }
}

export const isSnapshotPendingError = (error: unknown): error is SnapshotPendingError =>
  error instanceof Error && (error as { code?: unknown }).code === 'CDC_SNAPSHOT_PENDING';

/** A captured item or stream record Spine cannot read as a change (no key, no version number). */
export class ChangeReadError extends Error {
  readonly code = 'CDC_CHANGE_UNREADABLE';
  constructor(
    readonly source: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`CDC source "${source}": ${message}`, options);
    this.name = 'ChangeReadError';
  }
}

export const isChangeReadError = (error: unknown): error is ChangeReadError =>
  error instanceof Error && (error as { code?: unknown }).code === 'CDC_CHANGE_UNREADABLE';

/** Publishing captured events failed; the snapshot page or stream batch is retried, marked. */
export class CdcPublishError extends Error {
  readonly code = 'CDC_PUBLISH_FAILED';
  constructor(
    readonly failed: number,
    options?: { cause?: unknown },
  ) {
    super(`${failed} captured event(s) were not acknowledged by Kinesis`, options);
    this.name = 'CdcPublishError';
  }
}

export const isCdcPublishError = (error: unknown): error is CdcPublishError =>
  error instanceof Error && (error as { code?: unknown }).code === 'CDC_PUBLISH_FAILED';

/**
 * The table's stream is not the one the snapshot started from: it was disabled and enabled again (a
 * new stream ARN), so changes between the two streams are in neither, and the header's "finished"
 * would hide that gap. Nothing is published until an operator starts a new snapshot (docs/cdc.md).
 */
export class StreamChangedError extends Error {
  readonly code = 'CDC_STREAM_CHANGED';
  constructor(
    readonly source: string,
    readonly recorded: string,
    readonly current: string,
  ) {
    super(
      `CDC source "${source}": stream ${current} is not the one the snapshot started from (${recorded}); ` +
        'changes between the two streams are lost. Start a new snapshot (docs/cdc.md, "Stream re-created")',
    );
    this.name = 'StreamChangedError';
  }
}

export const isStreamChangedError = (error: unknown): error is StreamChangedError =>
  error instanceof Error && (error as { code?: unknown }).code === 'CDC_STREAM_CHANGED';

/**
 * Another invocation claimed this stream batch and may still be publishing it (its deadline has not
 * passed, and it did not release the claim by failing). Publishing a marked copy now could land it
 * before the first, which consumers would then take for the original. The batch fails on purpose;
 * the mapping retries it, and by then the first has finished (its records are skipped) or is dead.
 */
export class BatchInFlightError extends Error {
  readonly code = 'CDC_BATCH_IN_FLIGHT';
  constructor(
    readonly source: string,
    readonly batchKey: string,
    readonly until: number,
  ) {
    super(
      `CDC source "${source}": batch from record ${batchKey} is being published by another invocation until ${new Date(until).toISOString()}`,
    );
    this.name = 'BatchInFlightError';
  }
}

export const isBatchInFlightError = (error: unknown): error is BatchInFlightError =>
  error instanceof Error && (error as { code?: unknown }).code === 'CDC_BATCH_IN_FLIGHT';

/**
 * A snapshot worker stopped before its next step because the run is ending (another segment failed,
 * the lease was lost). Internal to `runSnapshot`: a worker still running after the handler returned
 * would be frozen and resume on a later invocation, after the lease passed to another runner.
 */
export class SnapshotStoppedError extends Error {
  readonly code = 'CDC_SNAPSHOT_STOPPED';
  constructor(readonly source: string) {
    super(`CDC source "${source}": the snapshot run is ending; this worker takes no further step`);
    this.name = 'SnapshotStoppedError';
  }
}

export const isSnapshotStoppedError = (error: unknown): error is SnapshotStoppedError =>
  error instanceof Error && (error as { code?: unknown }).code === 'CDC_SNAPSHOT_STOPPED';

/**
 * DynamoDB kept returning unprocessed items for a CDC store batch write (throttling) past the retry
 * cap. Thrown rather than retried on: an endless retry would outlive the runner's lease or claim.
 */
export class CdcStoreThrottledError extends Error {
  readonly code = 'CDC_STORE_THROTTLED';
  constructor(
    readonly table: string,
    readonly unprocessed: number,
  ) {
    super(`${unprocessed} write(s) to ${table} were still unprocessed after the retry cap`);
    this.name = 'CdcStoreThrottledError';
  }
}

export const isCdcStoreThrottledError = (error: unknown): error is CdcStoreThrottledError =>
  error instanceof Error && (error as { code?: unknown }).code === 'CDC_STORE_THROTTLED';
