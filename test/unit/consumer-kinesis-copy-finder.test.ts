import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import {
  type CopyAnswer,
  type CopyFinder,
  type CopyQuery,
  createKinesisCopyFinder,
  MemoryShardDirectory,
} from '../../shared/consumer';
import { encodeEnvelope } from '../../shared/envelope';
import { envelopeOf } from '../fixtures/kinesis';

const SHARD = 'shardId-000000000002';
const query = { stream: 'counts-stream', shardId: SHARD, source: 'test', id: 'e1', from: 0, before: '100' };
const record = (sequenceNumber: string, id: string, arrivedAt = 1_000) => ({
  SequenceNumber: sequenceNumber,
  PartitionKey: 'k',
  ApproximateArrivalTimestamp: new Date(arrivedAt),
  Data: encodeEnvelope(envelopeOf('Counted', { counter: 'k', by: 1 }, 'k', id)),
});

const ranges = {
  HashKeyRange: { StartingHashKey: '0', EndingHashKey: '1' },
  SequenceNumberRange: { StartingSequenceNumber: '0' },
};

const setup = () => {
  const client = new KinesisClient({ region: 'us-east-1', maxAttempts: 1 });
  const mock = mockClient(client);
  mock.on(GetShardIteratorCommand).resolves({ ShardIterator: 'it-0' });
  return { client, mock };
};

/** One marked record's question, asked the only way there is: a list of one. */
const findOne = async (
  finder: CopyFinder,
  query: CopyQuery,
  deadline: number,
): Promise<CopyAnswer | undefined> => (await finder.findEarlierAll([query], deadline))[0];

describe('Kinesis copy finder', () => {
  it('is undecided, never unique, when Kinesis fails', async () => {
    const { client, mock } = setup();
    mock
      .on(GetRecordsCommand)
      .rejects(Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' }));
    const finder = createKinesisCopyFinder(client, { shards: new MemoryShardDirectory() });

    const answer = await findOne(finder, query, Date.now() + 10_000);

    expect(answer).toEqual({
      kind: 'undecided',
      reason: 'Kinesis failed: ProvisionedThroughputExceededException',
    });
  });

  it('is undecided when its read budget ends before the marked record', async () => {
    const { client, mock } = setup();
    mock
      .on(GetRecordsCommand)
      .resolves({ Records: [record('1', 'e7')], NextShardIterator: 'it-1', MillisBehindLatest: 5_000 });
    const finder = createKinesisCopyFinder(client, { maxCalls: 3, shards: new MemoryShardDirectory() });

    const answer = await findOne(finder, query, Date.now() + 10_000);

    expect(answer?.kind).toBe('undecided');
  });

  it('stops at the marked record: a same-id record after it is not an original', async () => {
    const { client, mock } = setup();
    mock.on(GetRecordsCommand).resolves({
      Records: [record('5', 'e2'), record('100', 'e1'), record('101', 'e1')],
      NextShardIterator: 'it-1',
      MillisBehindLatest: 0,
    });
    const finder = createKinesisCopyFinder(client, { shards: new MemoryShardDirectory() });

    const answer = await findOne(finder, query, Date.now() + 10_000);

    expect(answer).toEqual({ kind: 'unique' });
  });

  it('reads a parent from ListShards to its end, and spends no read on it again once it is known quiet', async () => {
    const { client, mock } = setup();
    mock.on(ListShardsCommand).resolves({
      Shards: [
        { ShardId: 'shardId-000000000000', ...ranges },
        { ShardId: SHARD, ParentShardId: 'shardId-000000000000', ...ranges },
      ],
    });
    mock
      .on(GetRecordsCommand, { ShardIterator: 'it-0' })
      .resolvesOnce({ Records: [record('100', 'e1')], NextShardIterator: 'it-1', MillisBehindLatest: 0 })
      .resolvesOnce({ Records: [], NextShardIterator: undefined })
      .resolves({ Records: [record('100', 'e1')], NextShardIterator: 'it-1', MillisBehindLatest: 0 });
    const finder = createKinesisCopyFinder(client);

    const first = await findOne(finder, query, Date.now() + 10_000);
    const reads = mock.commandCalls(GetRecordsCommand).length;
    const second = await findOne(finder, query, Date.now() + 10_000);

    expect([first, second]).toEqual([{ kind: 'unique' }, { kind: 'unique' }]);
    expect(mock.commandCalls(GetRecordsCommand).length - reads).toBe(1);
  });

  it('answers every marked record of a batch from one read of its shard, each within its own window', async () => {
    const { client, mock } = setup();
    mock.on(GetRecordsCommand).resolves({
      Records: [
        record('1', 'e1', 1_000),
        record('2', 'e2', 2_000),
        record('3', 'e1', 3_000),
        record('4', 'e3', 3_000),
        record('5', 'e2', 3_000),
        record('6', 'e1', 3_000),
      ],
      NextShardIterator: 'it-1',
      MillisBehindLatest: 0,
    });
    const finder = createKinesisCopyFinder(client, { shards: new MemoryShardDirectory() });
    const ask = (id: string, from: number, before: string) => ({ ...query, id, from, before });

    const answers = await finder.findEarlierAll(
      [ask('e1', 0, '3'), ask('e3', 0, '4'), ask('e2', 0, '5'), ask('e1', 1_500, '6')],
      Date.now() + 10_000,
    );

    expect(answers).toEqual([
      { kind: 'duplicate', shardId: SHARD, sequenceNumber: '1' },
      { kind: 'unique' },
      { kind: 'duplicate', shardId: SHARD, sequenceNumber: '2' },
      // e1 at 1 arrived before this query's window; its copy at 3 is in it.
      { kind: 'duplicate', shardId: SHARD, sequenceNumber: '3' },
    ]);
    expect({
      iterators: mock.commandCalls(GetShardIteratorCommand).length,
      reads: mock.commandCalls(GetRecordsCommand).length,
      from: mock.commandCalls(GetShardIteratorCommand)[0]?.args[0].input.Timestamp,
    }).toEqual({ iterators: 1, reads: 1, from: new Date(0) });
  });
});
