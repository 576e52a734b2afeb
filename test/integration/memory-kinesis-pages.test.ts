import { KinesisClient, PutRecordsCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type MemoryKinesis, startMemoryKinesis } from '../fixtures/memory-kinesis';
import { emulatorClient } from './helpers/emulators';
import { createActive, dataOf, iterator, readFrom, streamName, waitActive } from './helpers/kinesis-contract';

/**
 * The memory Kinesis with `pages` on (empty and short GetRecords pages before the tip, as AWS may
 * answer; kinesis-mock never does, so this is not a contract case): a reader that stops only at an
 * empty page with MillisBehindLatest 0, or at no next iterator, still reads every record in order.
 */
describe('memory Kinesis with empty and short pages', () => {
  let server: MemoryKinesis | undefined;
  let kinesis = new KinesisClient({});
  const texts = Array.from({ length: 300 }, (_, i) => `r${i}`);
  const on = (stream: string, shard = 'shardId-000000000000') =>
    ({ StreamName: stream, ShardId: shard, ShardIteratorType: 'TRIM_HORIZON' }) as const;

  beforeAll(async () => {
    server = await startMemoryKinesis({ pages: { empty: 0.3, short: 0.4, seed: 7 } });
    kinesis = new KinesisClient(emulatorClient(server.endpoint));
  });

  afterAll(async () => {
    kinesis.destroy();
    await server?.stop();
  });

  /**
   * Runs `act` with Date frozen (timers stay real): every record arrives in the millisecond it is read,
   * the case where MillisBehindLatest `now - arrival` is 0 with records still to read.
   */
  const frozenClock = async <T>(act: () => Promise<T>): Promise<T> => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    try {
      return await act();
    } finally {
      vi.useRealTimers();
    }
  };

  /** One PutRecords of all `texts` under one key: they arrive in the same few milliseconds. */
  const putAll = (stream: string) =>
    kinesis.send(
      new PutRecordsCommand({
        StreamName: stream,
        Records: texts.map((t) => ({ PartitionKey: 'k', Data: new TextEncoder().encode(t) })),
      }),
    );

  it('reads every record of an open shard in order, MillisBehindLatest >= 1 until the tip', async () => {
    const stream = streamName('cut-open');
    await createActive(kinesis, stream, 1);
    const before = server?.pageCuts() ?? { empty: 0, short: 0 };
    const read = await frozenClock(async () => {
      await putAll(stream);
      return readFrom(kinesis, await iterator(kinesis, on(stream)), 50);
    });
    const after = server?.pageCuts() ?? { empty: 0, short: 0 };
    expect(read.records.map(dataOf)).toEqual(texts);
    // The cuts happened: empty pages before the tip, and pages under both Limit and what was left.
    expect(after.empty - before.empty).toBeGreaterThan(0);
    expect(after.short - before.short).toBeGreaterThan(0);
    expect(read.pages.slice(0, -1).filter((p) => (p.Records ?? []).length === 0).length).toBeGreaterThan(0);
    // A page after which records remained may not say caught up; one that reached the tip says 0.
    let seen = 0;
    const behind = read.pages.map((p) => {
      seen += (p.Records ?? []).length;
      return { remained: seen < texts.length, behind: (p.MillisBehindLatest ?? 0) >= 1 };
    });
    expect(behind.filter((b) => b.remained !== b.behind)).toEqual([]);
    expect(read.pages.at(-1)).toMatchObject({ Records: [], MillisBehindLatest: 0 });
  });

  it('reads every record of a closed shard in order, to the page with no next iterator', async () => {
    const stream = streamName('cut-closed');
    await createActive(kinesis, stream, 1);
    await putAll(stream);
    await kinesis.send(
      new SplitShardCommand({
        StreamName: stream,
        ShardToSplit: 'shardId-000000000000',
        NewStartingHashKey: String(2n ** 127n),
      }),
    );
    await waitActive(kinesis, stream);
    const read = await readFrom(kinesis, await iterator(kinesis, on(stream)), 50);
    expect(read.records.map(dataOf)).toEqual(texts);
    expect(read.ended).toBe(true);
    expect(read.pages.at(-1)?.ChildShards?.map((c) => c.ShardId)).toEqual([
      'shardId-000000000001',
      'shardId-000000000002',
    ]);
  });

  it('says MillisBehindLatest >= 1, not caught up, when records that arrived in the same millisecond remain', async () => {
    const plain = await startMemoryKinesis();
    const client = new KinesisClient(emulatorClient(plain.endpoint));
    try {
      const stream = streamName('behind');
      await createActive(client, stream, 1);
      const read = await frozenClock(async () => {
        const put = await client.send(
          new PutRecordsCommand({
            StreamName: stream,
            Records: texts.slice(0, 3).map((t) => ({ PartitionKey: 'k', Data: new TextEncoder().encode(t) })),
          }),
        );
        expect(put.FailedRecordCount ?? 0).toBe(0);
        return readFrom(client, await iterator(client, on(stream)), 1);
      });
      expect(read.pages.map((p) => p.Records?.length)).toEqual([1, 1, 1, 0]);
      expect(read.pages.map((p) => (p.MillisBehindLatest ?? 0) >= 1)).toEqual([true, true, false, false]);
    } finally {
      client.destroy();
      await plain.stop();
    }
  });
});
