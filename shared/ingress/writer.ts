import { type KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { DEFAULT_PUT_LIMITS, type OutgoingRecord, type PutLimits, planBatches } from './batching';

export interface WrittenRecord {
  readonly shardId: string;
  readonly sequenceNumber: string;
}

export interface FailedRecord {
  /** Kinesis error code (`ProvisionedThroughputExceededException`, `InternalFailure`), or a Spine one. */
  readonly code: string;
  readonly throttled: boolean;
}

export interface WriteOutcome {
  readonly written: Map<number, WrittenRecord>;
  readonly failed: Map<number, FailedRecord>;
  /** PutRecords calls made, retries included (for the benchmark and metrics). */
  readonly calls: number;
}

export interface RetryPolicy {
  /** Attempts per batch including the first. @default 5 */
  readonly maxAttempts: number;
  /** Full-jitter exponential backoff: delay = random() * min(maxDelayMs, baseDelayMs * 2^attempt). */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 50, maxDelayMs: 1_000 };

export interface WriterOptions {
  readonly limits?: PutLimits;
  readonly retry?: RetryPolicy;
  /** Epoch ms after which no retry starts (the Lambda deadline minus a margin). */
  readonly deadline?: number;
  /**
   * Abort a PutRecords call after this long and retry it. The SDK's `requestTimeout` only logs a warning
   * (unless `throwOnRequestTimeout` is set), so without this a stalled endpoint hangs the request. @default 10_000
   */
  readonly callTimeoutMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly now?: () => number;
}

const THROTTLE = /ProvisionedThroughputExceeded|Throttl|LimitExceeded|KMSThrottling/;

const callFailure = (error: unknown): { failure: FailedRecord; retryable: boolean } => {
  const e = error as { name?: unknown; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  const code = typeof e.name === 'string' ? e.name : 'UnknownError';
  const throttled = THROTTLE.test(code);
  const status = e.$metadata?.httpStatusCode;
  const retryable = throttled || Boolean(e.$retryable) || status === undefined || status >= 500;
  return { failure: { code, throttled }, retryable };
};

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Writes records to a stream in the fewest PutRecords calls, retrying only the records Kinesis rejected,
 * with full-jitter backoff, until they are written, attempts run out or the deadline nears. Records that
 * share a partition key with a record that finally failed are not sent in later calls (reported as
 * `SkippedAfterKeyFailure`), so a client's retry cannot land a key's events out of order across calls.
 * Within one call Kinesis may accept a later record of a key it rejected earlier; its retry then lands
 * after it. The ingress acknowledges by sequence number, so the acknowledged order is still the log order.
 */
export const writeRecords = async (
  client: KinesisClient,
  streamName: string,
  records: readonly OutgoingRecord[],
  options: WriterOptions = {},
): Promise<WriteOutcome> => {
  const retry = options.retry ?? DEFAULT_RETRY;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const written = new Map<number, WrittenRecord>();
  const failed = new Map<number, FailedRecord>();
  const failedKeys = new Set<string>();
  let calls = 0;
  let unavailable: FailedRecord | undefined;

  for (const batch of planBatches(records, options.limits ?? DEFAULT_PUT_LIMITS)) {
    let pending = batch.filter((r) => {
      const skip =
        unavailable ??
        (failedKeys.has(r.partitionKey) ? { code: 'SkippedAfterKeyFailure', throttled: false } : undefined);
      if (skip) failed.set(r.index, skip);
      return !skip;
    });
    let callFailed: FailedRecord | undefined;
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      const rejected: OutgoingRecord[] = [];
      let retryable = true;
      calls += 1;
      callFailed = undefined;
      try {
        const out = await client.send(
          new PutRecordsCommand({
            StreamName: streamName,
            Records: pending.map((r) => ({ Data: r.data, PartitionKey: r.partitionKey })),
          }),
          { abortSignal: AbortSignal.timeout(options.callTimeoutMs ?? 10_000) },
        );
        pending.forEach((record, i) => {
          const entry = out.Records?.[i];
          if (entry?.SequenceNumber && entry.ShardId && !entry.ErrorCode) {
            written.set(record.index, { shardId: entry.ShardId, sequenceNumber: entry.SequenceNumber });
            failed.delete(record.index);
          } else {
            const code = entry?.ErrorCode ?? 'MissingResult';
            failed.set(record.index, { code, throttled: THROTTLE.test(code) });
            rejected.push(record);
          }
        });
      } catch (error) {
        const { failure, retryable: canRetry } = callFailure(error);
        for (const record of pending) failed.set(record.index, failure);
        rejected.push(...pending);
        retryable = canRetry;
        callFailed = failure;
      }
      pending = rejected;
      if (pending.length === 0) break;
      const delay = random() * Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** attempt);
      const outOfTime = options.deadline !== undefined && now() + delay > options.deadline;
      if (!retryable || attempt + 1 >= retry.maxAttempts || outOfTime) break;
      await sleep(delay);
    }
    for (const record of pending) failedKeys.add(record.partitionKey);
    // A call that still throws after retries means the stream is unreachable: do not hammer it further.
    if (pending.length > 0 && callFailed) unavailable = callFailed;
  }
  return { written, failed, calls };
};
