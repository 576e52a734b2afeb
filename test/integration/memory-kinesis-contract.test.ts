import {
  CreateStreamCommand,
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  type GetShardIteratorCommandInput,
  KinesisClient,
  ListShardsCommand,
  MergeShardsCommand,
  PutRecordCommand,
  PutRecordsCommand,
  SplitShardCommand,
} from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listShards } from '../../shared/aws';
import { startMemoryKinesis } from '../fixtures/memory-kinesis';
import { emulatorClient } from './helpers/emulators';
import {
  createActive,
  dataOf,
  hashOf,
  holdsHash,
  iterator,
  openShards,
  putKeys,
  readFrom,
  rejection,
  streamName,
  waitActive,
} from './helpers/kinesis-contract';
import { KINESIS_TARGETS } from './helpers/kinesis-targets';

const TOP = 2n ** 128n - 1n;
const keys = Array.from({ length: 40 }, (_, i) => `key-${i}`);

describe.each(KINESIS_TARGETS)('Kinesis contract: $name', (target) => {
  let server: { stop(): Promise<void> } | undefined;
  let kinesis = new KinesisClient({});

  beforeAll(async () => {
    const started = await target.start();
    server = started;
    kinesis.destroy();
    kinesis = new KinesisClient(emulatorClient(started.endpoint));
  });

  afterAll(async () => {
    kinesis.destroy();
    await server?.stop();
  });

  it('creates a stream CREATING, then ACTIVE, with AWS hash ranges and shard ids', async () => {
    const stream = streamName('create');
    await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 3 }));
    const first = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
    expect(['CREATING', 'ACTIVE']).toContain(first.StreamDescriptionSummary?.StreamStatus);
    await waitActive(kinesis, stream);
    const summary = (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream })))
      .StreamDescriptionSummary;
    expect(summary).toMatchObject({
      StreamName: stream,
      StreamARN: `arn:aws:kinesis:us-east-1:000000000000:stream/${stream}`,
      StreamStatus: 'ACTIVE',
      OpenShardCount: 3,
      RetentionPeriodHours: 24,
    });
    const width = (TOP + 1n) / 3n;
    const shards = await listShards(kinesis, stream);
    expect(shards.map((s) => [s.ShardId, s.HashKeyRange])).toEqual([
      ['shardId-000000000000', { StartingHashKey: '0', EndingHashKey: String(width - 1n) }],
      ['shardId-000000000001', { StartingHashKey: String(width), EndingHashKey: String(2n * width - 1n) }],
      ['shardId-000000000002', { StartingHashKey: String(2n * width), EndingHashKey: String(TOP) }],
    ]);
    expect(shards.every((s) => /^\d+$/.test(s.SequenceNumberRange?.StartingSequenceNumber ?? ''))).toBe(true);
  });

  it('pages ListShards by MaxResults and NextToken, and refuses a StreamName next to a NextToken', async () => {
    const stream = streamName('pages');
    await createActive(kinesis, stream, 3);
    const first = await kinesis.send(new ListShardsCommand({ StreamName: stream, MaxResults: 2 }));
    expect(first.Shards?.map((s) => s.ShardId)).toEqual(['shardId-000000000000', 'shardId-000000000001']);
    expect(first.NextToken).toBeDefined();
    const second = await kinesis.send(new ListShardsCommand({ NextToken: first.NextToken }));
    expect(second.Shards?.map((s) => s.ShardId)).toEqual(['shardId-000000000002']);
    expect(second.NextToken).toBeUndefined();
    const both = rejection(
      kinesis.send(new ListShardsCommand({ NextToken: first.NextToken, StreamName: stream })),
    );
    expect((await both).name).toBe('InvalidArgumentException');
  });

  it('routes each partition key by MD5 (or an ExplicitHashKey) and reads back in put order', async () => {
    const stream = streamName('route');
    await createActive(kinesis, stream, 4);
    const shards = await listShards(kinesis, stream);
    const put = await putKeys(kinesis, stream, keys, (k, i) => `${k}#${i}`);
    expect(put.FailedRecordCount ?? 0).toBe(0);
    const routed = (put.Records ?? []).map((r) => r.ShardId);
    expect(routed).toEqual(keys.map((k) => shards.find((s) => holdsHash(s, hashOf(k)))?.ShardId));
    const explicit = await kinesis.send(
      new PutRecordCommand({
        StreamName: stream,
        PartitionKey: 'x',
        ExplicitHashKey: String(TOP),
        Data: new Uint8Array([1]),
      }),
    );
    expect(explicit.ShardId).toBe('shardId-000000000003');
    for (const shard of shards) {
      const shardId = shard.ShardId ?? '';
      const expected = keys.flatMap((k, i) => (routed[i] === shardId ? [`${k}#${i}`] : []));
      const read = await readFrom(
        kinesis,
        await iterator(kinesis, { StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
      );
      const mine = read.records.filter((r) => r.PartitionKey !== 'x');
      expect(mine.map(dataOf)).toEqual(expected);
      const numbers = read.records.map((r) => BigInt(r.SequenceNumber ?? '0'));
      expect(numbers.every((n, i) => i === 0 || n > (numbers[i - 1] ?? n))).toBe(true);
      expect(read.ended).toBe(false);
      expect(read.pages.at(-1)?.MillisBehindLatest).toBe(0);
    }
  });

  it('pages GetRecords within Limit by NextShardIterator, MillisBehindLatest 0 at the tip', async () => {
    const stream = streamName('limit');
    await createActive(kinesis, stream, 1);
    for (let i = 0; i < 7; i++)
      await kinesis.send(
        new PutRecordCommand({
          StreamName: stream,
          PartitionKey: 'k',
          Data: new TextEncoder().encode(`r${i}`),
        }),
      );
    const start = await iterator(kinesis, {
      StreamName: stream,
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'TRIM_HORIZON',
    });
    const read = await readFrom(kinesis, start, 3);
    expect(read.records.map(dataOf)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
    // AWS promises at most Limit a page, not Limit: a page may be short or empty before the tip.
    expect(read.pages.every((p) => (p.Records?.length ?? 0) <= 3)).toBe(true);
    expect(read.pages.every((p) => p.NextShardIterator !== undefined)).toBe(true);
    expect(read.pages.at(-1)?.Records).toEqual([]);
    expect(read.pages.at(-1)?.MillisBehindLatest).toBe(0);
  });

  it('starts iterators at TRIM_HORIZON, LATEST, AT_ and AFTER_SEQUENCE_NUMBER and AT_TIMESTAMP', async () => {
    const stream = streamName('types');
    await createActive(kinesis, stream, 1);
    const on = { StreamName: stream, ShardId: 'shardId-000000000000' } as const;
    const put = async (text: string) =>
      kinesis.send(
        new PutRecordCommand({ StreamName: stream, PartitionKey: 'k', Data: new TextEncoder().encode(text) }),
      );
    const a = [await put('a0'), await put('a1')];
    const latest = await iterator(kinesis, { ...on, ShardIteratorType: 'LATEST' });
    const all = await readFrom(
      kinesis,
      await iterator(kinesis, { ...on, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    const lastA = all.records.at(-1)?.ApproximateArrivalTimestamp?.getTime() ?? 0;
    // A condition, not a sleep: the b records must arrive in a later millisecond than the a records.
    while (Date.now() <= lastA + 2) await new Promise((resolve) => setImmediate(resolve));
    const b = [await put('b0'), await put('b1')];
    const texts = async (start: string) => (await readFrom(kinesis, start)).records.map(dataOf);
    const textsFrom = async (
      input: Pick<GetShardIteratorCommandInput, 'ShardIteratorType' | 'StartingSequenceNumber' | 'Timestamp'>,
    ) => texts(await iterator(kinesis, { ...on, ...input }));
    expect(await texts(latest)).toEqual(['b0', 'b1']);
    expect(await textsFrom({ ShardIteratorType: 'TRIM_HORIZON' })).toEqual(['a0', 'a1', 'b0', 'b1']);
    const at = (n: { SequenceNumber?: string }) => ({ StartingSequenceNumber: n.SequenceNumber });
    expect(await textsFrom({ ShardIteratorType: 'AT_SEQUENCE_NUMBER', ...at(a[1] ?? {}) })).toEqual([
      'a1',
      'b0',
      'b1',
    ]);
    expect(await textsFrom({ ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', ...at(a[1] ?? {}) })).toEqual([
      'b0',
      'b1',
    ]);
    expect(await textsFrom({ ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', ...at(b[1] ?? {}) })).toEqual([]);
    const bRead = await readFrom(
      kinesis,
      await iterator(kinesis, { ...on, ShardIteratorType: 'AT_SEQUENCE_NUMBER', ...at(b[0] ?? {}) }),
    );
    const bArrival = bRead.records[0]?.ApproximateArrivalTimestamp;
    expect(bArrival?.getTime()).toBeGreaterThan(lastA);
    expect(await textsFrom({ ShardIteratorType: 'AT_TIMESTAMP', Timestamp: bArrival })).toEqual(['b0', 'b1']);
    expect(await textsFrom({ ShardIteratorType: 'AT_TIMESTAMP', Timestamp: new Date(0) })).toEqual([
      'a0',
      'a1',
      'b0',
      'b1',
    ]);
  });

  it('splits: the parent closes and ends with ChildShards, the children take new puts, ListShards lists all', async () => {
    const stream = streamName('split');
    await createActive(kinesis, stream, 1);
    const parent = 'shardId-000000000000';
    const before = await putKeys(kinesis, stream, keys.slice(0, 10));
    const middle = 2n ** 127n;
    await kinesis.send(
      new SplitShardCommand({ StreamName: stream, ShardToSplit: parent, NewStartingHashKey: String(middle) }),
    );
    await waitActive(kinesis, stream);
    const shards = await listShards(kinesis, stream);
    expect(shards.map((s) => [s.ShardId, s.ParentShardId, s.AdjacentParentShardId, s.HashKeyRange])).toEqual([
      [parent, undefined, undefined, { StartingHashKey: '0', EndingHashKey: String(TOP) }],
      [
        'shardId-000000000001',
        parent,
        undefined,
        { StartingHashKey: '0', EndingHashKey: String(middle - 1n) },
      ],
      [
        'shardId-000000000002',
        parent,
        undefined,
        { StartingHashKey: String(middle), EndingHashKey: String(TOP) },
      ],
    ]);
    const [closed, ...children] = shards;
    const ending = closed?.SequenceNumberRange?.EndingSequenceNumber;
    expect(ending).toMatch(/^\d+$/);
    expect(children.map((c) => c.SequenceNumberRange?.EndingSequenceNumber)).toEqual([undefined, undefined]);
    const lastBefore = BigInt(before.Records?.at(-1)?.SequenceNumber ?? '0');
    for (const child of children)
      expect(BigInt(child.SequenceNumberRange?.StartingSequenceNumber ?? '0')).toBeGreaterThan(lastBefore);
    if (target.quirks.endingAboveRecords) expect(BigInt(ending ?? '0')).toBeGreaterThanOrEqual(lastBefore);
    const after = await putKeys(kinesis, stream, keys);
    expect((after.Records ?? []).map((r) => r.ShardId)).toEqual(
      keys.map((k) => children.find((c) => holdsHash(c, hashOf(k)))?.ShardId),
    );
    const read = await readFrom(
      kinesis,
      await iterator(kinesis, { StreamName: stream, ShardId: parent, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    expect(read.records.map(dataOf)).toEqual(keys.slice(0, 10));
    expect(read.ended).toBe(true);
    expect(read.pages.at(-1)?.ChildShards?.map((c) => [c.ShardId, c.ParentShards, c.HashKeyRange])).toEqual(
      children.map((c) => [c.ShardId, [parent], c.HashKeyRange]),
    );
  });

  it('merges two adjacent shards into one child that carries both parents', async () => {
    const stream = streamName('merge');
    await createActive(kinesis, stream, 2);
    const [a, b] = ['shardId-000000000000', 'shardId-000000000001'];
    await putKeys(kinesis, stream, keys);
    await kinesis.send(
      new MergeShardsCommand({ StreamName: stream, ShardToMerge: a, AdjacentShardToMerge: b }),
    );
    await waitActive(kinesis, stream);
    const shards = await listShards(kinesis, stream);
    expect(shards.map((s) => [s.ShardId, s.ParentShardId, s.AdjacentParentShardId, s.HashKeyRange])).toEqual([
      [a, undefined, undefined, shards[0]?.HashKeyRange],
      [b, undefined, undefined, shards[1]?.HashKeyRange],
      ['shardId-000000000002', a, b, { StartingHashKey: '0', EndingHashKey: String(TOP) }],
    ]);
    expect(shards.slice(0, 2).map((s) => s.SequenceNumberRange?.EndingSequenceNumber)).toEqual([
      expect.stringMatching(/^\d+$/),
      expect.stringMatching(/^\d+$/),
    ]);
    expect((await openShards(kinesis, stream)).map((s) => s.ShardId)).toEqual(['shardId-000000000002']);
    const after = await kinesis.send(
      new PutRecordCommand({ StreamName: stream, PartitionKey: 'later', Data: new Uint8Array([7]) }),
    );
    expect(after.ShardId).toBe('shardId-000000000002');
    for (const parent of [a, b]) {
      const read = await readFrom(
        kinesis,
        await iterator(kinesis, { StreamName: stream, ShardId: parent, ShardIteratorType: 'TRIM_HORIZON' }),
      );
      expect(read.ended).toBe(true);
      expect(read.records.length).toBeGreaterThan(0);
      expect(read.pages.at(-1)?.ChildShards?.map((c) => c.ShardId)).toEqual(['shardId-000000000002']);
    }
  });

  it('answers errors with the same __type names', async () => {
    const stream = streamName('errors');
    await createActive(kinesis, stream, 1);
    const on = { StreamName: stream, ShardId: 'shardId-000000000000' } as const;
    const put = await kinesis.send(
      new PutRecordCommand({ StreamName: stream, PartitionKey: 'k', Data: new Uint8Array([1]) }),
    );
    const nameOf = async (call: Promise<unknown>) => (await rejection(call)).name;
    expect(
      await nameOf(kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'no-such-stream' }))),
    ).toBe('ResourceNotFoundException');
    expect(
      await nameOf(
        kinesis.send(
          new PutRecordsCommand({
            StreamName: 'no-such-stream',
            Records: [{ PartitionKey: 'k', Data: new Uint8Array([1]) }],
          }),
        ),
      ),
    ).toBe('ResourceNotFoundException');
    expect(await nameOf(kinesis.send(new ListShardsCommand({ StreamName: 'no-such-stream' })))).toBe(
      'ResourceNotFoundException',
    );
    expect(await nameOf(kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 })))).toBe(
      'ResourceInUseException',
    );
    expect(
      await nameOf(
        iterator(kinesis, { ...on, ShardId: 'shardId-000000000099', ShardIteratorType: 'LATEST' }),
      ),
    ).toBe('ResourceNotFoundException');
    expect(await nameOf(iterator(kinesis, { ...on, ShardIteratorType: 'AT_SEQUENCE_NUMBER' }))).toBe(
      'InvalidArgumentException',
    );
    expect(
      await nameOf(
        iterator(kinesis, { ...on, ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: 'xyz' }),
      ),
    ).toBe('InvalidArgumentException');
    // The SDK sends an enum value it does not know; kinesis-mock refuses it while decoding the body.
    const bogus = Object.fromEntries([['ShardIteratorType', 'BOGUS']]);
    expect(
      await nameOf(iterator(kinesis, Object.assign({ ...on, ShardIteratorType: 'LATEST' as const }, bogus))),
    ).toBe('SerializationException');
    const foreign = String(BigInt(put.SequenceNumber ?? '0') - 12345n);
    expect(
      await nameOf(
        iterator(kinesis, {
          ...on,
          ShardIteratorType: 'AT_SEQUENCE_NUMBER',
          StartingSequenceNumber: foreign,
        }),
      ),
    ).toBe(target.quirks.foreignSequenceError);
    expect(await nameOf(readFrom(kinesis, 'bm90LWFuLWl0ZXJhdG9y'))).toBe(target.quirks.badIteratorError);
  });
});

describe('memory Kinesis beyond the contract', () => {
  it('refuses an operation it does not implement with a 400 naming it, not a silent success', async () => {
    const server = await startMemoryKinesis();
    const kinesis = new KinesisClient(emulatorClient(server.endpoint));
    try {
      const error = await rejection(kinesis.send(new DescribeStreamCommand({ StreamName: 'any' })));
      expect(error.name).toBe('InvalidArgumentException');
      expect(error.message).toContain('DescribeStream');
    } finally {
      kinesis.destroy();
      await server.stop();
    }
  });
});
