import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { encodeEnvelope } from '../envelope';
import { findEventsInLog, writeRecords } from '../ingress';
import type { OutboxEntry } from './outbox';
import { type EventPublisher, OutboxPublishError } from './publisher';

const byTopic = (entries: readonly OutboxEntry[]): Map<string, OutboxEntry[]> => {
  const groups = new Map<string, OutboxEntry[]>();
  for (const e of entries) groups.set(e.topic, [...(groups.get(e.topic) ?? []), e]);
  return groups;
};

/**
 * Publishes emitted events with the ingress's batched, retrying PutRecords writer, and finds already
 * published ones with the ingress's log search (which throws rather than answer "absent" when it
 * could not read to the tip, so recovery never publishes a second copy on a guess).
 */
export const createKinesisPublisher = (
  client: KinesisClient,
  streamOf: (topic: string) => string,
): EventPublisher => ({
  async publish(entries) {
    let failed = 0;
    for (const [topic, list] of byTopic(entries)) {
      const outcome = await writeRecords(
        client,
        streamOf(topic),
        list.map((e, index) => ({
          index,
          partitionKey: e.envelope.partitionkey,
          data: encodeEnvelope(e.envelope),
        })),
      );
      failed += outcome.failed.size;
    }
    if (failed > 0) throw new OutboxPublishError(failed);
  },

  async findPublished(entries, since) {
    const found = new Set<string>();
    for (const [topic, list] of byTopic(entries)) {
      const wanted = list.map((e) => ({ eventId: e.envelope.id, partitionKey: e.envelope.partitionkey }));
      for (const id of (await findEventsInLog(client, streamOf(topic), wanted, since)).keys()) found.add(id);
    }
    return found;
  },
});
