import type { KinesisStreamRecord } from 'aws-lambda';

export interface DeliveryPolicy {
  /** Invocations per batch including the first (catalog `retry.maxAttempts`). */
  readonly maxAttempts: number;
  readonly bisectOnError: boolean;
  /** -1 or undefined: only the stream's retention limits age. */
  readonly maxRecordAgeSeconds?: number;
}

export interface DeliveryHooks {
  invoke(records: KinesisStreamRecord[]): Promise<unknown>;
  /** Everything up to and including this sequence number is done (handled or discarded). */
  checkpoint(sequenceNumber: string): Promise<void> | void;
  discard(records: KinesisStreamRecord[], reason: string, attempts: number): Promise<void> | void;
  isStopping(): boolean;
  pause(ms: number): Promise<void>;
}

/** How one invocation went: `failedFrom` is the index of the first record to retry. */
type Outcome = { ok: true } | { ok: false; failedFrom: number; whole: boolean; reason: string };

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
    return { ok: false, failedFrom: 0, whole: true, reason: `handler threw: ${String(error)}` };
  }
};

interface Segment {
  records: KinesisStreamRecord[];
  /** Failed invocations of this segment so far. */
  failures: number;
}

const last = (records: readonly KinesisStreamRecord[]): string =>
  records.at(-1)?.kinesis.sequenceNumber ?? '';

/**
 * Delivers one batch with Lambda's stream error handling, in shard order:
 * - success: checkpoint after the batch;
 * - partial failure: checkpoint before the lowest failed record and retry from it (counts an attempt);
 * - whole failure (throw, bad itemIdentifier): with `bisectOnError`, split in two and retry the halves
 *   in order; a split does not count an attempt (decision: a poison record is isolated however large the
 *   batch, then retried alone `maxAttempts` times). Without bisect, retry the same batch;
 * - after `maxAttempts` failed invocations, discard what is left (on-failure destination) and go on;
 * - records older than `maxRecordAgeSeconds` are discarded before an invocation.
 * Returns `abandoned` when stop was requested between invocations; nothing after the last checkpoint
 * counts as done, so it is delivered again on the next start.
 */
export const deliver = async (
  records: KinesisStreamRecord[],
  policy: DeliveryPolicy,
  hooks: DeliveryHooks,
): Promise<'done' | 'abandoned'> => {
  const queue: Segment[] = [{ records, failures: 0 }];
  for (let segment = queue[0]; segment; segment = queue[0]) {
    if (hooks.isStopping()) return 'abandoned';
    const maxAge = policy.maxRecordAgeSeconds ?? -1;
    if (maxAge >= 0) {
      const cutoff = Date.now() / 1000 - maxAge;
      const expired = segment.records.filter((r) => r.kinesis.approximateArrivalTimestamp < cutoff);
      if (expired.length > 0) {
        await hooks.discard(expired, `older than maxRecordAgeSeconds (${maxAge})`, segment.failures);
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
    if (outcome.whole && policy.bisectOnError && segment.records.length > 1) {
      const middle = Math.ceil(segment.records.length / 2);
      queue.splice(
        0,
        1,
        { records: segment.records.slice(0, middle), failures: 0 },
        {
          records: segment.records.slice(middle),
          failures: 0,
        },
      );
      continue;
    }
    segment.failures += 1;
    if (segment.failures >= policy.maxAttempts) {
      await hooks.discard(segment.records, `retries exhausted (${outcome.reason})`, segment.failures);
      await hooks.checkpoint(last(segment.records));
      queue.shift();
      continue;
    }
    // Lambda retries with a short backoff; keep it short locally so a failing test shows up fast.
    await hooks.pause(Math.min(1_000, 50 * 2 ** (segment.failures - 1)));
  }
  return 'done';
};
