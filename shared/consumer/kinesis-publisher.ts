import { createHash } from 'node:crypto';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { decodeEnvelope, encodeEnvelope } from '../envelope';
import { writeRecords } from '../ingress';
import type { OutboxEntry } from './outbox';
import { type EventPublisher, OutboxPublishError } from './publisher';

/** Kinesis routes a record by the MD5 of its partition key read as a 128-bit unsigned integer. */
const hashKey = (partitionKey: string): bigint =>
  BigInt(`0x${createHash('md5').update(partitionKey).digest('hex')}`);

const shardFor = (shards: readonly Shard[], partitionKey: string): Shard[] => {
  const h = hashKey(partitionKey);
  return shards.filter((s) => {
    const r = s.HashKeyRange;
    return (
      r?.StartingHashKey && r.EndingHashKey && BigInt(r.StartingHashKey) <= h && h <= BigInt(r.EndingHashKey)
    );
  });
};

/** Publishes emitted events with the ingress's batched, retrying PutRecords writer. */
export const createKinesisPublisher = (
  client: KinesisClient,
  streamOf: (topic: string) => string,
  options: { maxPagesPerShard?: number } = {},
): EventPublisher => ({
  async publish(entries) {
    const byTopic = new Map<string, OutboxEntry[]>();
    for (const e of entries) byTopic.set(e.topic, [...(byTopic.get(e.topic) ?? []), e]);
    let failed = 0;
    for (const [topic, list] of byTopic) {
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
    const wanted = new Set(entries.map((e) => e.envelope.id));
    const topics = new Set(entries.map((e) => e.topic));
    for (const topic of topics) {
      const stream = streamOf(topic);
      const shards = (await client.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
      const shardIds = new Set(
        entries
          .filter((e) => e.topic === topic)
          .flatMap((e) => shardFor(shards, e.envelope.partitionkey).map((s) => s.ShardId ?? '')),
      );
      for (const shardId of shardIds) {
        // Look a little before `since`: the entry's createdAt and Kinesis arrival clocks are not the same clock.
        const start = await client.send(
          new GetShardIteratorCommand({
            StreamName: stream,
            ShardId: shardId,
            ShardIteratorType: 'AT_TIMESTAMP',
            Timestamp: new Date(since - 5_000),
          }),
        );
        let iterator = start.ShardIterator;
        for (let page = 0; iterator && page < (options.maxPagesPerShard ?? 100); page++) {
          const out = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
          for (const r of out.Records ?? []) {
            try {
              const id = decodeEnvelope(r.Data ?? new Uint8Array()).id;
              if (wanted.has(id)) found.add(id);
            } catch {
              // Not an envelope: cannot be one of ours.
            }
          }
          if ((out.Records ?? []).length === 0 || out.MillisBehindLatest === 0) break;
          iterator = out.NextShardIterator;
        }
      }
    }
    return found;
  },
});
