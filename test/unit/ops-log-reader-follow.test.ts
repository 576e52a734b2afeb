import { getEventListeners } from 'node:events';
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { kinesisLogReader } from '../../shared/ops';

/** A shard at its tip: every GetRecords answers no records, 0 ms behind, and a next iterator. */
const idleShard = (onRead: (reads: number) => void) => {
  const client = new KinesisClient({ region: 'us-east-1', maxAttempts: 1 });
  let reads = 0;
  mockClient(client)
    .on(GetShardIteratorCommand)
    .resolves({ ShardIterator: 'it-0' })
    .on(GetRecordsCommand)
    .callsFake(() => {
      reads += 1;
      onRead(reads);
      return { Records: [], NextShardIterator: `it-${reads}`, MillisBehindLatest: 0 };
    });
  return client;
};

describe('kinesisLogReader.read with follow', () => {
  it("takes its abort listener off the follower's signal after each idle poll", async () => {
    // Prepare: one signal for the whole tail, as the console's tail and the CLI's Ctrl-C give it.
    const stop = new AbortController();
    const listenersAt: number[] = [];
    const client = idleShard((reads) => {
      listenersAt.push(getEventListeners(stop.signal, 'abort').length);
      if (reads === 200) stop.abort();
    });
    const reader = kinesisLogReader(client, (topic) => `spine-${topic}`);

    // Act
    const pages = [];
    for await (const page of reader.read(
      'orders',
      'shardId-000000000000',
      { type: 'LATEST' },
      {
        follow: true,
        pollMs: 1,
        signal: stop.signal,
      },
    ))
      pages.push(page);

    // Assess: 200 polls ran, and none found a listener left from an earlier poll's sleep.
    expect(pages).toEqual([]);
    expect(listenersAt).toHaveLength(200);
    expect(Math.max(...listenersAt)).toBe(0);
    expect(getEventListeners(stop.signal, 'abort')).toEqual([]);
  });

  it('ends a sleep at the tip as soon as the signal aborts', async () => {
    // Prepare
    const stop = new AbortController();
    const client = idleShard(() => {});
    const reader = kinesisLogReader(client, (topic) => `spine-${topic}`);
    const started = Date.now();
    setTimeout(() => stop.abort(), 50);

    // Act
    for await (const _ of reader.read(
      'orders',
      'shardId-000000000000',
      { type: 'LATEST' },
      {
        follow: true,
        pollMs: 600_000,
        signal: stop.signal,
      },
    ));

    // Assess: well before the 10-minute poll interval.
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});
