import type { StartingPosition, SubscriptionSpec } from './types';

/**
 * The Kinesis event source mapping of one subscription, in the mapping's own terms. One function
 * derives it for the CDK app and for local mode's emulated mapping, so both run the same settings.
 */
export interface EventSourceMappingSettings {
  readonly batchSize: number;
  readonly maximumBatchingWindowInSeconds: number;
  /** Concurrent batches per shard, 1 .. 10; one partition key is only ever in one in-flight batch. */
  readonly parallelizationFactor: number;
  readonly startingPosition: StartingPosition;
  /** Retries after the first invocation, 0 .. 10000, or -1: retry until the record leaves retention. */
  readonly maximumRetryAttempts: number;
  /** Discard records older than this, 60 .. 604800 s, or -1: never (only retention limits age). */
  readonly maximumRecordAgeInSeconds: number;
  /**
   * Split a batch whose invocation failed as a whole (crash, timeout, out of memory) in two; splits do
   * not use up retries. A partial batch response is retried from the failed record either way.
   */
  readonly bisectBatchOnFunctionError: boolean;
  /** The runtime answers with `batchItemFailures`, so only the failed tail is retried. */
  readonly reportBatchItemFailures: boolean;
}

/**
 * The mapping never gives up (decision of issue 11): the runtime owns every give-up. It counts each
 * event's failed attempts in DynamoDB and parks the whole event after the catalog's `retry.maxAttempts`,
 * or when it is older than `retry.maxRecordAgeSeconds`, where redrive can reach it. The mapping's own
 * give-ups would lose more: MaximumRetryAttempts also counts throttles, timeouts and out-of-memory kills
 * the runtime never sees, and its SQS/SNS destinations get only shard and sequence range, so a
 * discarded record is gone once it leaves retention. So retries and record age stay -1 here whatever
 * the catalog says. Cost: a batch the runtime cannot move (it keeps failing before it parks anything)
 * holds its shard until fixed or until the record leaves retention; the IteratorAge alarm is the signal.
 * Bisect follows `retry.bisectOnError`: with no retry limit a split never discards anything, and it
 * only acts when an invocation fails whole (no answer: crash, timeout, out of memory), where it halves
 * the retried batch, so a record that kills its container or a batch too slow for the timeout is
 * isolated in fewer deaths. The cost is the extra invocations of the halves.
 */
export const eventSourceMappingSettings = (subscription: SubscriptionSpec): EventSourceMappingSettings => ({
  batchSize: subscription.batchSize,
  maximumBatchingWindowInSeconds: subscription.batchingWindowSeconds,
  parallelizationFactor: subscription.parallelizationFactor,
  startingPosition: subscription.startingPosition,
  maximumRetryAttempts: -1,
  maximumRecordAgeInSeconds: -1,
  bisectBatchOnFunctionError: subscription.retry.bisectOnError,
  reportBatchItemFailures: true,
});
