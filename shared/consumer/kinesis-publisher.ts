import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { encodeEnvelope, markResent } from '../envelope';
import { findEventsInLog, isLogSearchIncompleteError, writeRecords } from '../ingress';
import { OutboxRecoveryDeferredError } from './errors';
import type { OutboxEntry } from './outbox';
import { type EventPublisher, OutboxPublishError } from './publisher';

const byTopic = (entries: readonly OutboxEntry[]): Map<string, OutboxEntry[]> => {
  const groups = new Map<string, OutboxEntry[]>();
  for (const e of entries) groups.set(e.topic, [...(groups.get(e.topic) ?? []), e]);
  return groups;
};

/**
 * Entries in rounds holding at most one entry per partition key, each key's entries in order. Within
 * one PutRecords call Kinesis may store a later record of a key after rejecting an earlier one, whose
 * retry then lands behind it; a key's second entry therefore goes in the next round, sent only once the
 * round before is acknowledged, and only when the key's entry in it was written. A commit holds several entries of one key when coalescing folds several
 * events of it into one commit; rounds cost one more call per extra entry of the busiest key.
 */
const rounds = (entries: readonly OutboxEntry[]): OutboxEntry[][] => {
  const seen = new Map<string, number>();
  const out: OutboxEntry[][] = [];
  for (const e of entries) {
    const n = seen.get(e.envelope.partitionkey) ?? 0;
    seen.set(e.envelope.partitionkey, n + 1);
    const round = out[n] ?? [];
    round.push(e);
    out[n] = round;
  }
  return out;
};

/**
 * Publishes emitted events with the ingress's batched, retrying PutRecords writer, and finds already
 * published ones with the ingress's log search, bounded by the caller's deadline (undecided searches
 * throw `OutboxRecoveryDeferredError`, so recovery never publishes on a guess).
 */
export const createKinesisPublisher = (
  client: KinesisClient,
  streamOf: (topic: string) => string,
): EventPublisher => ({
  async publish(entries, options = {}) {
    let failed = 0;
    for (const [topic, list] of byTopic(entries)) {
      // Keys with an entry not written: their later entries stay unsent (recovery publishes them in
      // order); other keys' later entries still go.
      const stopped = new Set<string>();
      for (const planned of rounds(list)) {
        const round = planned.filter((e) => !stopped.has(e.envelope.partitionkey));
        failed += planned.length - round.length;
        if (round.length === 0) continue;
        const outcome = await writeRecords(
          client,
          streamOf(topic),
          round.map((e, index) => ({
            index,
            partitionKey: e.envelope.partitionkey,
            data: options.resent
              ? markResent(encodeEnvelope(e.envelope), e.createdAt)
              : encodeEnvelope(e.envelope),
          })),
        );
        for (const index of outcome.failed.keys()) {
          const e = round[index];
          if (e) stopped.add(e.envelope.partitionkey);
        }
        failed += outcome.failed.size;
      }
    }
    if (failed > 0) throw new OutboxPublishError(failed);
  },

  async findPublished(entries, since, deadline) {
    const found = new Set<string>();
    for (const [topic, list] of byTopic(entries)) {
      // By source and type too: an entry's id is Spine's, but another writer on the topic may reuse it
      // (CloudEvents ids are unique per source only), and a false match would drop an unpublished entry.
      const wanted = list.map(({ envelope: e }) => ({
        eventId: e.id,
        partitionKey: e.partitionkey,
        source: e.source,
        type: e.type,
      }));
      try {
        const inLog = await findEventsInLog(client, streamOf(topic), wanted, since, { deadline });
        for (const id of inLog.keys()) found.add(id);
      } catch (error) {
        if (!isLogSearchIncompleteError(error)) throw error;
        throw new OutboxRecoveryDeferredError('search-undecided', error.message, { cause: error });
      }
    }
    return found;
  },
});
