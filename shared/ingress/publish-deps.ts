import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { AcknowledgedKeys } from './acknowledged';
import type { IdempotencyStore } from './idempotency';
import type { LogSearchOptions } from './log-search';
import type { WriterOptions } from './writer';

/** One line of a 202 answer, in request order. */
export interface PublishResult {
  readonly id: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly duplicate: boolean;
}

export interface PublishDeps {
  readonly kinesis: KinesisClient;
  readonly store: IdempotencyStore;
  readonly writer?: WriterOptions;
  /** Bounds of the log search made before re-writing an event whose claim was taken over. */
  readonly search?: LogSearchOptions;
  /** Reports failures that are not the caller's business (a claim left pending, a failed release). */
  readonly warn?: (message: string, error: unknown) => void;
  /**
   * This instance's memory of the keys it acknowledged without a completion write: a repeat of one is
   * answered from it before any log search (see `AcknowledgedKeys`). Create it once per instance.
   */
  readonly acknowledged?: AcknowledgedKeys;
}
