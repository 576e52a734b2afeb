import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { markResent, RESENT_MARK_MAX_BYTES } from '../envelope';
import { DEFAULT_PUT_LIMITS, type OutgoingRecord, type PutLimits, planBatches } from './batching';
import { classifyCallFailure, isThrottleCode, sendPutRecordsOnce } from './put-call';

export interface WrittenRecord {
  readonly shardId: string;
  readonly sequenceNumber: string;
}

export interface FailedRecord {
  /** Kinesis error code (`ProvisionedThroughputExceededException`, `InternalFailure`), or a Spine one. */
  readonly code: string;
  readonly throttled: boolean;
  /**
   * An attempt of this record ended without an answer (timeout, abort, socket error, 5xx): Kinesis may
   * hold it. Never report such a record as "not written"; a later copy must carry the re-send mark.
   */
  readonly uncertain?: boolean;
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
   * Abort a PutRecords call after this long. An aborted call's outcome is unknown, so its records are
   * re-sent marked. @default 10_000
   */
  readonly callTimeoutMs?: number;
  /**
   * Epoch ms by which every call has ended: none starts after it and each is aborted by then. The
   * ingress sets it to its claims' lease end, so a copy of a claimed event can reach Kinesis only within
   * the lease (plus Kinesis' own delay), and a log search for it can stop there instead of at the tip.
   * Records never sent for it fail with `LeaseEnded` (certainly not written).
   */
  readonly callsEndBy?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly now?: () => number;
}

const LEASE_ENDED = 'LeaseEnded';

/** A record not sent again because its claim's lease ended; uncertain if an earlier attempt went unanswered. */
const leaseEnded = (p: Pending): FailedRecord => ({
  code: LEASE_ENDED,
  throttled: false,
  ...(p.uncertain ? { uncertain: true } : {}),
});

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A record on its way: the bytes to send next, and when its first attempt left (for the mark). */
interface Pending {
  readonly record: OutgoingRecord;
  readonly data: Uint8Array;
  readonly firstSentAt: number | undefined;
  readonly uncertain: boolean;
}

/**
 * Re-send marks can add `RESENT_MARK_MAX_BYTES` to every record of a call: batches are planned with
 * that room kept free, so a marked retry never exceeds the request limit.
 */
const withMarkRoom = (limits: PutLimits): PutLimits => ({
  ...limits,
  maxRequestBytes: limits.maxRequestBytes - limits.maxRecords * RESENT_MARK_MAX_BYTES,
});

/**
 * Writes records to a stream in the fewest PutRecords calls, and owns every retry (one SDK attempt per
 * call, see `sendPutRecordsOnce`), with full-jitter backoff, until they are written, attempts run out or
 * the deadline nears:
 * - a record rejected in the answer (`ErrorCode`) was not stored and is re-sent as it was;
 * - a call answered with a 4xx stored nothing: its records are re-sent as they were if it was throttled;
 * - a call with no answer (timeout, abort, socket error, 5xx) may have stored them: every record of it
 *   that is sent again carries the re-send mark (`markResent`, the send time of its first attempt), so
 *   consumers can drop the second copy, and if it still fails its `FailedRecord` says `uncertain`.
 *
 * Records that share a partition key with a record that finally failed are not sent in later calls
 * (reported as `SkippedAfterKeyFailure`), so a client's retry cannot land a key's events out of order
 * across calls. Within one call Kinesis may accept a later record of a key it rejected earlier; its retry
 * then lands after it. The ingress acknowledges by sequence number, so the acknowledged order is still
 * the log order.
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

  for (const batch of planBatches(records, withMarkRoom(options.limits ?? DEFAULT_PUT_LIMITS))) {
    let pending: Pending[] = [];
    for (const record of batch) {
      const skip =
        unavailable ??
        (failedKeys.has(record.partitionKey)
          ? { code: 'SkippedAfterKeyFailure', throttled: false }
          : undefined);
      if (skip) failed.set(record.index, skip);
      else pending.push({ record, data: record.data, firstSentAt: undefined, uncertain: false });
    }
    let callFailed = false;
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      const sentAt = now();
      const timeLeft = (options.callsEndBy ?? Number.POSITIVE_INFINITY) - sentAt;
      if (timeLeft <= 0) {
        for (const p of pending) failed.set(p.record.index, leaseEnded(p));
        unavailable = { code: LEASE_ENDED, throttled: false };
        break;
      }
      const again: Pending[] = [];
      let retryable = true;
      calls += 1;
      callFailed = false;
      const sent = pending.map((p) => ({ ...p, firstSentAt: p.firstSentAt ?? sentAt }));
      try {
        const out = await sendPutRecordsOnce(
          client,
          {
            StreamName: streamName,
            Records: sent.map((p) => ({ Data: p.data, PartitionKey: p.record.partitionKey })),
          },
          Math.min(options.callTimeoutMs ?? 10_000, timeLeft),
        );
        sent.forEach((p, i) => {
          const entry = out.Records?.[i];
          if (entry?.SequenceNumber && entry.ShardId && !entry.ErrorCode) {
            written.set(p.record.index, { shardId: entry.ShardId, sequenceNumber: entry.SequenceNumber });
            failed.delete(p.record.index);
            return;
          }
          // An answer without a verdict for this record (no entry, or neither a sequence number nor an
          // error code): Kinesis may have stored it, so it counts as unanswered and its next copy is marked.
          if (entry?.ErrorCode === undefined) {
            failed.set(p.record.index, { code: 'MissingResult', throttled: false, uncertain: true });
            again.push({ ...p, data: markResent(p.record.data, p.firstSentAt), uncertain: true });
            return;
          }
          // Rejected in an answer: this attempt stored nothing, but an earlier unanswered one may have.
          const code = entry.ErrorCode;
          failed.set(p.record.index, {
            code,
            throttled: isThrottleCode(code),
            ...(p.uncertain ? { uncertain: true } : {}),
          });
          again.push(p);
        });
      } catch (error) {
        const failure = classifyCallFailure(error);
        for (const p of sent) {
          const uncertain = p.uncertain || failure.uncertain;
          failed.set(p.record.index, {
            code: failure.code,
            throttled: failure.throttled,
            ...(uncertain ? { uncertain: true } : {}),
          });
          // The next copy may be a second one: mark it with the time the first could have arrived.
          again.push(
            failure.uncertain && p.firstSentAt !== undefined
              ? { ...p, data: markResent(p.record.data, p.firstSentAt), uncertain: true }
              : p,
          );
        }
        retryable = failure.retryable;
        callFailed = true;
      }
      pending = again;
      if (pending.length === 0) break;
      const delay = random() * Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** attempt);
      const outOfTime = options.deadline !== undefined && now() + delay > options.deadline;
      if (!retryable || attempt + 1 >= retry.maxAttempts || outOfTime) break;
      await sleep(delay);
    }
    for (const p of pending) failedKeys.add(p.record.partitionKey);
    // A call that still throws after retries means the stream is unreachable: do not hammer it further.
    // Later batches were never sent, so their records are certainly not written.
    const last = pending[0] ? failed.get(pending[0].record.index) : undefined;
    if (pending.length > 0 && callFailed && last)
      unavailable = { code: last.code, throttled: last.throttled };
  }
  return { written, failed, calls };
};
