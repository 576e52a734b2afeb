import type { KinesisStreamRecord } from 'aws-lambda';
import type { EventSourceMappingSettings } from '../../shared/catalog';

/** The error handling settings of a mapping, as `eventSourceMappingSettings` derives them. */
export type DeliveryPolicy = Pick<
  EventSourceMappingSettings,
  'maximumRetryAttempts' | 'maximumRecordAgeInSeconds' | 'bisectBatchOnFunctionError'
>;

/** Why the mapping gave up on records: the `condition` Lambda writes to an on-failure destination. */
export type DiscardCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

export interface DiscardInfo {
  readonly condition: DiscardCondition;
  /** Invocations that carried these records (`approximateInvokeCount`). */
  readonly invokeCount: number;
  /** `Unhandled` when the last invocation threw; absent after a batch item failure response. */
  readonly functionError?: 'Unhandled';
  readonly reason: string;
}

export interface DeliveryHooks {
  invoke(records: KinesisStreamRecord[]): Promise<unknown>;
  /** Everything up to and including this sequence number is done (handled or discarded). */
  checkpoint(sequenceNumber: string): Promise<void> | void;
  discard(records: KinesisStreamRecord[], info: DiscardInfo): Promise<void> | void;
  isStopping(): boolean;
  pause(ms: number): Promise<void>;
}

/** How one invocation went: `failedFrom` is the index of the first record to retry. */
type Outcome =
  | { ok: true }
  | { ok: false; failedFrom: number; whole: boolean; threw?: boolean; reason: string };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

/**
 * Reads a response the way Lambda reads `ReportBatchItemFailures`: no response or an empty/null list
 * is success; the lowest reported sequence number is where the retry starts; an item without a string
 * `itemIdentifier`, or with one that is not in the batch, fails the whole batch.
 */
export const classifyResponse = (records: readonly KinesisStreamRecord[], response: unknown): Outcome => {
  if (!isRecord(response) || response.batchItemFailures === undefined || response.batchItemFailures === null)
    return { ok: true };
  const failures = response.batchItemFailures;
  if (!Array.isArray(failures))
    return { ok: false, failedFrom: 0, whole: true, reason: 'malformed batchItemFailures' };
  if (failures.length === 0) return { ok: true };
  let lowest = records.length;
  for (const failure of failures) {
    const id = isRecord(failure) ? failure.itemIdentifier : undefined;
    const index =
      typeof id === 'string' && id !== '' ? records.findIndex((r) => r.kinesis.sequenceNumber === id) : -1;
    if (index === -1)
      return {
        ok: false,
        failedFrom: 0,
        whole: true,
        reason: `itemIdentifier ${String(id)} is not in the batch`,
      };
    lowest = Math.min(lowest, index);
  }
  return {
    ok: false,
    failedFrom: lowest,
    whole: false,
    reason: `batch item failure at ${records[lowest]?.kinesis.sequenceNumber}`,
  };
};

const invokeOnce = async (hooks: DeliveryHooks, records: KinesisStreamRecord[]): Promise<Outcome> => {
  try {
    return classifyResponse(records, await hooks.invoke(records));
  } catch (error) {
    return { ok: false, failedFrom: 0, whole: true, threw: true, reason: `handler threw: ${String(error)}` };
  }
};

interface Segment {
  records: KinesisStreamRecord[];
  /** Failed invocations of these records so far (a bisect split neither adds one nor resets them). */
  failures: number;
}

const last = (records: readonly KinesisStreamRecord[]): string =>
  records.at(-1)?.kinesis.sequenceNumber ?? '';

/** Lambda retries with a short backoff; capped at 1 s locally so a failing test shows up fast. */
const backoffMs = (failures: number): number => Math.min(1_000, 50 * 2 ** Math.min(10, failures - 1));

/**
 * Delivers one batch with Lambda's stream error handling, in shard order:
 * - success: checkpoint after the batch;
 * - partial failure (`batchItemFailures`): checkpoint before the lowest failed record and retry from it;
 *   this counts as a failed invocation (with bisect on, AWS documents it as a split at that record);
 * - whole failure (throw, malformed response, unknown itemIdentifier): with
 *   `bisectBatchOnFunctionError`, split in two and deliver the halves in order; a split does not use
 *   up a retry (as AWS documents), so a poison record is isolated however large the batch. Without
 *   bisect, retry the same records;
 * - once a segment failed `maximumRetryAttempts + 1` times, discard what is left (the on-failure
 *   destination gets its metadata) and go on; -1 retries for ever;
 * - records older than `maximumRecordAgeInSeconds` are discarded before an invocation; -1 never.
 * Returns `abandoned` when stop was requested between invocations; nothing after the last checkpoint
 * counts as done, so it is delivered again on the next start.
 */
export const deliver = async (
  records: KinesisStreamRecord[],
  policy: DeliveryPolicy,
  hooks: DeliveryHooks,
): Promise<'done' | 'abandoned'> => {
  const queue: Segment[] = [{ records, failures: 0 }];
  const maxAge = policy.maximumRecordAgeInSeconds;
  const maxRetries = policy.maximumRetryAttempts;
  for (let segment = queue[0]; segment; segment = queue[0]) {
    if (hooks.isStopping()) return 'abandoned';
    if (maxAge >= 0) {
      const cutoff = Date.now() / 1000 - maxAge;
      const expired = segment.records.filter((r) => r.kinesis.approximateArrivalTimestamp < cutoff);
      if (expired.length > 0) {
        await hooks.discard(expired, {
          condition: 'RecordAgeExceeded',
          invokeCount: segment.failures,
          reason: `older than MaximumRecordAgeInSeconds (${maxAge})`,
        });
        segment.records = segment.records.filter((r) => !expired.includes(r));
        if (segment.records.length === 0) {
          await hooks.checkpoint(last(expired));
          queue.shift();
          continue;
        }
      }
    }
    const outcome = await invokeOnce(hooks, segment.records);
    if (outcome.ok) {
      await hooks.checkpoint(last(segment.records));
      queue.shift();
      continue;
    }
    if (outcome.failedFrom > 0) {
      await hooks.checkpoint(segment.records[outcome.failedFrom - 1]?.kinesis.sequenceNumber ?? '');
      segment.records = segment.records.slice(outcome.failedFrom);
    }
    if (outcome.whole && policy.bisectBatchOnFunctionError && segment.records.length > 1) {
      const middle = Math.ceil(segment.records.length / 2);
      const { failures } = segment;
      queue.splice(
        0,
        1,
        { records: segment.records.slice(0, middle), failures },
        { records: segment.records.slice(middle), failures },
      );
      continue;
    }
    segment.failures += 1;
    if (maxRetries >= 0 && segment.failures > maxRetries) {
      await hooks.discard(segment.records, {
        condition: 'RetryAttemptsExhausted',
        invokeCount: segment.failures,
        ...(outcome.threw && { functionError: 'Unhandled' as const }),
        reason: outcome.reason,
      });
      await hooks.checkpoint(last(segment.records));
      queue.shift();
      continue;
    }
    await hooks.pause(backoffMs(segment.failures));
  }
  return 'done';
};
