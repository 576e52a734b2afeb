import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { type Envelope, encodeEnvelope, markResent } from '../envelope';
import { writeRecords } from '../ingress';
import { CdcPublishError } from './errors';

/** Port to the topic for captured events. */
export interface CapturePublisher {
  /**
   * Publishes the envelopes, in order per partition key; throws `CdcPublishError` unless every one was
   * acknowledged. `resentSince` (epoch ms) marks every record as a possible second copy. No retry
   * starts after `deadline` (epoch ms), so a publish cannot outlive the invocation's lease or claim.
   */
  publish(envelopes: readonly Envelope[], resentSince?: number, deadline?: number): Promise<void>;
}

/**
 * Rounds of at most one envelope per partition key, in order: a `PutRecords` call that is partly
 * rejected is retried for the rejected records only, so two changes of one item in one call could
 * land swapped. One round per call keeps them in order; a batch with one change per item is one call.
 */
export const roundsByKey = (envelopes: readonly Envelope[]): Envelope[][] => {
  const rounds: Envelope[][] = [];
  const seen = new Map<string, number>();
  for (const e of envelopes) {
    const n = seen.get(e.partitionkey) ?? 0;
    seen.set(e.partitionkey, n + 1);
    const round = rounds[n] ?? [];
    round.push(e);
    rounds[n] = round;
  }
  return rounds;
};

/**
 * Publishes through the ingress's writer (batched PutRecords, its own retries, and the re-send mark on
 * any record it sends again after an answer it did not see), one round per key at a time.
 */
export const createKinesisCapturePublisher = (
  client: KinesisClient,
  streamName: string,
): CapturePublisher => ({
  async publish(envelopes, resentSince, deadline) {
    for (const round of roundsByKey(envelopes)) {
      const outcome = await writeRecords(
        client,
        streamName,
        round.map((e, index) => ({
          index,
          partitionKey: e.partitionkey,
          data: resentSince === undefined ? encodeEnvelope(e) : markResent(encodeEnvelope(e), resentSince),
        })),
        deadline === undefined ? {} : { deadline },
      );
      if (outcome.failed.size > 0) throw new CdcPublishError(outcome.failed.size);
    }
  },
});
