import { setTimeout as sleep } from 'node:timers/promises';
import { DescribeStreamSummaryCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CopyAnswer,
  type CopyFinder,
  type CopyQuery,
  createKinesisCopyFinder,
  MemoryCopyFinder,
  MemoryShardDirectory,
} from '../../../shared/consumer';
import { type Envelope, encodeEnvelope } from '../../../shared/envelope';
import { envelopeOf } from '../../fixtures/kinesis';
import { type Emulators, startEmulators } from '../helpers/emulators';
import { putEnvelope, shardIds } from './log';

/** A log the contract writes to, and the finder under test reading it. */
interface LogUnderTest {
  readonly stream: string;
  readonly finder: CopyFinder;
  put(envelope: Envelope): Promise<{ shardId: string; sequenceNumber: string }>;
  /** Splits the stream's only shard; later puts land in a child. */
  split(): Promise<void>;
}

let emulators: Emulators | undefined;
let streams = 0;

beforeAll(async () => {
  emulators = await startEmulators();
});

afterAll(async () => {
  await emulators?.stop();
});

const memoryLog = async (): Promise<LogUnderTest> => {
  const parents: Record<string, string[]> = {};
  const finder = new MemoryCopyFinder(new MemoryShardDirectory(parents));
  let shard = 'shardId-000000000000';
  return {
    stream: 'memory',
    finder,
    async put(envelope) {
      return finder.append(shard, encodeEnvelope(envelope));
    },
    async split() {
      parents['shardId-000000000001'] = [shard];
      shard = 'shardId-000000000001';
    },
  };
};

const kinesisLog = async (): Promise<LogUnderTest> => {
  if (!emulators) throw new Error('emulators did not start');
  const kinesis = emulators.kinesis;
  streams += 1;
  const stream = `copies-${Date.now()}-${streams}`;
  await emulators.createStream(stream, 1);
  return {
    stream,
    finder: createKinesisCopyFinder(kinesis),
    put: (envelope) => putEnvelope(kinesis, stream, envelope),
    async split() {
      const [parent = ''] = await shardIds(kinesis, stream);
      await kinesis.send(
        new SplitShardCommand({
          StreamName: stream,
          ShardToSplit: parent,
          NewStartingHashKey: (2n ** 127n).toString(),
        }),
      );
      for (let i = 0; i < 300; i++) {
        const out = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
        if (out.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
        await sleep(100);
      }
      throw new Error(`stream ${stream} did not finish splitting`);
    },
  };
};

const event = (id: string, source = 'test'): Envelope => ({
  ...envelopeOf('Counted', { counter: 'k', by: 1 }, 'k', id),
  source,
});

/** Waits until the clock has moved past `t`, so a later record arrives strictly after it. */
const after = async (t: number) => {
  while (Date.now() <= t) await sleep(1);
};

const FAR = () => Date.now() + 30_000;

/** One marked record's question, asked the only way there is: a list of one. */
const findOne = async (
  finder: CopyFinder,
  query: CopyQuery,
  deadline: number,
): Promise<CopyAnswer | undefined> => (await finder.findEarlierAll([query], deadline))[0];

describe.each([
  ['MemoryCopyFinder', memoryLog],
  ['Kinesis copy finder (kinesis-mock)', kinesisLog],
])('%s (CopyFinder contract)', (_name, makeLog) => {
  it('finds an earlier record with the same (source, id) before the marked one', async () => {
    const log = await makeLog();
    const from = Date.now() - 1_000;
    const original = await log.put(event('e1'));
    await log.put(event('e2'));
    const copy = await log.put(event('e1'));

    const answer = await findOne(
      log.finder,
      {
        stream: log.stream,
        shardId: copy.shardId,
        source: 'test',
        id: 'e1',
        from,
        before: copy.sequenceNumber,
      },
      FAR(),
    );

    expect(answer).toEqual({
      kind: 'duplicate',
      shardId: original.shardId,
      sequenceNumber: original.sequenceNumber,
    });
  });

  it('answers unique for another source, for a copy that is not earlier, and for one before the window', async () => {
    const log = await makeLog();
    const from = Date.now() - 1_000;
    const early = await log.put(event('e1'));
    await after(Date.now() + 5);
    const windowStart = Date.now();
    const otherSource = await log.put(event('e3', 'elsewhere'));
    const marked = await log.put(event('e3'));
    await log.put(event('e3'));
    const lateCopy = await log.put(event('e1'));
    const ask = (id: string, at: number, before: string) =>
      findOne(
        log.finder,
        { stream: log.stream, shardId: marked.shardId, source: 'test', id, from: at, before },
        FAR(),
      );

    const answers = [
      await ask('e3', from, marked.sequenceNumber),
      await ask('e1', from, early.sequenceNumber),
      await ask('e1', windowStart, lateCopy.sequenceNumber),
    ];

    expect(otherSource.shardId).toBe(marked.shardId);
    expect(answers).toEqual([{ kind: 'unique' }, { kind: 'unique' }, { kind: 'unique' }]);
  });

  it('finds the original in the parent shard when the copy lands in a child after a split', async () => {
    const log = await makeLog();
    const from = Date.now() - 1_000;
    const original = await log.put(event('e1'));
    await log.split();
    const copy = await log.put(event('e1'));

    const answer = await findOne(
      log.finder,
      {
        stream: log.stream,
        shardId: copy.shardId,
        source: 'test',
        id: 'e1',
        from,
        before: copy.sequenceNumber,
      },
      FAR(),
    );

    expect(copy.shardId).not.toBe(original.shardId);
    expect(answer).toEqual({
      kind: 'duplicate',
      shardId: original.shardId,
      sequenceNumber: original.sequenceNumber,
    });
  });

  it('is undecided when the deadline has passed', async () => {
    const log = await makeLog();
    const from = Date.now() - 1_000;
    await log.put(event('e1'));
    const copy = await log.put(event('e1'));

    const answer = await findOne(
      log.finder,
      {
        stream: log.stream,
        shardId: copy.shardId,
        source: 'test',
        id: 'e1',
        from,
        before: copy.sequenceNumber,
      },
      Date.now() - 1,
    );

    expect(answer?.kind).toBe('undecided');
  });

  it('answers several marked records at once as it answers each alone', async () => {
    const log = await makeLog();
    const from = Date.now() - 1_000;
    const original = await log.put(event('e1'));
    const unique = await log.put(event('e2'));
    const copy = await log.put(event('e1'));
    const query = (id: string, before: string) => ({
      stream: log.stream,
      shardId: copy.shardId,
      source: 'test',
      id,
      from,
      before,
    });
    const queries = [query('e2', unique.sequenceNumber), query('e1', copy.sequenceNumber)];

    const together = await log.finder.findEarlierAll(queries, FAR());
    const alone = [await findOne(log.finder, queries[0] ?? query('', ''), FAR())];
    alone.push(await findOne(log.finder, queries[1] ?? query('', ''), FAR()));

    expect(together).toEqual([
      { kind: 'unique' },
      { kind: 'duplicate', shardId: original.shardId, sequenceNumber: original.sequenceNumber },
    ]);
    expect(alone).toEqual(together);
  });
});
