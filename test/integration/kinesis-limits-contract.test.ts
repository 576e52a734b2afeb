import {
  DescribeStreamSummaryCommand,
  IncreaseStreamRetentionPeriodCommand,
  KinesisClient,
  PutRecordCommand,
  PutRecordsCommand,
  UpdateShardCountCommand,
} from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listShards } from '../../shared/aws';
import { emulatorClient } from './helpers/emulators';
import {
  createActive,
  dataOf,
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
const MIB = 1024 * 1024;
const keys = Array.from({ length: 40 }, (_, i) => `key-${i}`);

/**
 * The Kinesis contract, second part (memory-kinesis-contract.test.ts has the first): request limits,
 * write throughput, UpdateShardCount and retention, held to the same answers on every target.
 */
describe.each(KINESIS_TARGETS)('Kinesis contract (limits, scaling, retention): $name', (target) => {
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

  it('limits a record to 1 MiB (data and key, as AWS counts) and a partition key to 256 characters; 501 records as AWS or kinesis-mock', async () => {
    const stream = streamName('limits');
    await createActive(kinesis, stream, 1);
    const record = (data: Uint8Array, key = 'k') => ({ PartitionKey: key, Data: data });
    const nameOf = async (call: Promise<unknown>) => (await rejection(call)).name;
    const put = (data: Uint8Array, key?: string) =>
      kinesis.send(new PutRecordCommand({ StreamName: stream, ...record(data, key) }));
    expect(await nameOf(put(new Uint8Array(MIB + 1)))).toBe('InvalidArgumentException');
    expect(await nameOf(put(new Uint8Array([1]), 'k'.repeat(257)))).toBe('InvalidArgumentException');
    const batch = kinesis.send(
      new PutRecordsCommand({
        StreamName: stream,
        Records: [record(new Uint8Array([2])), record(new Uint8Array(MIB + 1))],
      }),
    );
    if (target.quirks.oversizedInBatch === 'request')
      expect(await nameOf(batch)).toBe('InvalidArgumentException');
    else
      expect((await batch).Records?.map((r) => r.ErrorCode ?? 'stored')).toEqual([
        'stored',
        'InvalidArgumentException',
      ]);
    const many = kinesis.send(
      new PutRecordsCommand({
        StreamName: stream,
        Records: Array.from({ length: 501 }, () => record(new Uint8Array([3]))),
      }),
    );
    if (target.quirks.over500Records === 'refused')
      expect(await nameOf(many)).toBe('InvalidArgumentException');
    else expect((await many).Records).toHaveLength(501);
    // At the limits exactly: accepted. AWS counts the partition key in the record's 1 MiB.
    const full = target.quirks.recordSizeCountsKey ? MIB - 1 : MIB;
    if (target.quirks.recordSizeCountsKey)
      expect(await nameOf(put(new Uint8Array(MIB), 'k'))).toBe('InvalidArgumentException');
    await put(new Uint8Array(full), 'k');
    await put(new Uint8Array([4]), 'k'.repeat(256));
    const read = await readFrom(
      kinesis,
      await iterator(kinesis, {
        StreamName: stream,
        ShardId: 'shardId-000000000000',
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const sizes = read.records.map((r) => r.Data?.length);
    const stored = [
      ...(target.quirks.oversizedInBatch === 'record' ? [1] : []),
      ...(target.quirks.over500Records === 'stored' ? Array.from({ length: 501 }, () => 1) : []),
      full,
      1,
    ];
    expect(sizes).toEqual(stored);
  });

  it('takes 2.4 MiB into one shard in one request: neither target throttles writes per shard', async () => {
    // AWS allows 1 MiB/s (and 1,000 records/s) per shard and fails records above it with
    // ProvisionedThroughputExceededException. kinesis-mock does not enforce it, and Kinesis lite
    // matches kinesis-mock: local mode injects throttles only through the fault relay (SPINE_FAULTS).
    const stream = streamName('rate');
    await createActive(kinesis, stream, 1);
    const out = await kinesis.send(
      new PutRecordsCommand({
        StreamName: stream,
        Records: Array.from({ length: 4 }, (_, i) => ({
          PartitionKey: `k${i}`,
          Data: new Uint8Array(600 * 1024),
        })),
      }),
    );
    expect(out.FailedRecordCount ?? 0).toBe(0);
    expect(out.Records?.map((r) => r.ErrorCode ?? 'stored')).toEqual([
      'stored',
      'stored',
      'stored',
      'stored',
    ]);
  });

  it('UpdateShardCount doubles then halves: parents close, children name them and cover the key space', async () => {
    const stream = streamName('scale');
    await createActive(kinesis, stream, 2);
    await putKeys(kinesis, stream, keys);
    const scale = async (to: number) => {
      const out = await kinesis.send(
        new UpdateShardCountCommand({
          StreamName: stream,
          TargetShardCount: to,
          ScalingType: 'UNIFORM_SCALING',
        }),
      );
      await waitActive(kinesis, stream);
      return out;
    };
    const covers = (shards: Awaited<ReturnType<typeof openShards>>) => {
      const ranges = shards
        .map((s) => [
          BigInt(s.HashKeyRange?.StartingHashKey ?? '-1'),
          BigInt(s.HashKeyRange?.EndingHashKey ?? '-1'),
        ])
        .sort((a, b) => ((a[0] ?? 0n) < (b[0] ?? 0n) ? -1 : 1));
      return (
        ranges.every(([start], i) => start === (i === 0 ? 0n : (ranges[i - 1]?.[1] ?? 0n) + 1n)) &&
        ranges.at(-1)?.[1] === TOP
      );
    };
    for (const to of [4, 2]) {
      const before = (await openShards(kinesis, stream)).map((s) => s.ShardId);
      const out = await scale(to);
      expect(out.TargetShardCount).toBe(to);
      const open = await openShards(kinesis, stream);
      expect(open).toHaveLength(to);
      expect(covers(open)).toBe(true);
      const all = await listShards(kinesis, stream);
      for (const parent of before) {
        const shard = all.find((s) => s.ShardId === parent);
        expect(shard?.SequenceNumberRange?.EndingSequenceNumber).toMatch(/^\d+$/);
      }
      for (const child of open) expect(before).toContain(child.ParentShardId);
    }
    // Every record put before the first change is still readable from the first generation's shards.
    let read = 0;
    for (const shardId of ['shardId-000000000000', 'shardId-000000000001']) {
      const r = await readFrom(
        kinesis,
        await iterator(kinesis, { StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
      );
      expect(r.ended).toBe(true);
      read += r.records.map(dataOf).length;
    }
    expect(read).toBe(keys.length);
  });

  it('raises retention with IncreaseStreamRetentionPeriod and refuses a lower value', async () => {
    const stream = streamName('retention');
    await createActive(kinesis, stream, 1);
    const hours = async () =>
      (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream }))).StreamDescriptionSummary
        ?.RetentionPeriodHours;
    expect(await hours()).toBe(24);
    await kinesis.send(
      new IncreaseStreamRetentionPeriodCommand({ StreamName: stream, RetentionPeriodHours: 48 }),
    );
    await waitActive(kinesis, stream);
    expect(await hours()).toBe(48);
    const lower = await rejection(
      kinesis.send(
        new IncreaseStreamRetentionPeriodCommand({ StreamName: stream, RetentionPeriodHours: 30 }),
      ),
    );
    expect(lower.name).toBe('InvalidArgumentException');
    expect(await hours()).toBe(48);
  });
});
