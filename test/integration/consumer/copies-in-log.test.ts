import { setTimeout as sleep } from 'node:timers/promises';
import { DescribeStreamSummaryCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConsumerStore,
  createKinesisCopyFinder,
  createKinesisPublisher,
  createKinesisShardDirectory,
  defineConsumer,
  type EventHandler,
  MemoryPublisher,
  type OutboxEntry,
  outboxPk,
} from '../../../shared/consumer';
import { testCatalog } from '../../fixtures/catalog';
import { envelopeOf } from '../../fixtures/kinesis';
import { type Emulators, startEmulators } from '../helpers/emulators';
import { createRuntimeTables, dynamoStore } from './harness';
import { deliverAll, envelopesIn, putEnvelope, readShard, shardIds } from './log';

const COUNTS = 'counts-stream';
const MILESTONES = 'milestones-stream';
const env = {
  SPINE_STREAM_COUNTS: COUNTS,
  SPINE_STREAM_LIMITS: 'limits-stream',
  SPINE_STREAM_MILESTONES: MILESTONES,
};

let emulators: Emulators;
let store: ConsumerStore;

beforeAll(async () => {
  emulators = await startEmulators();
  await createRuntimeTables(emulators.dynamo);
  store = dynamoStore(emulators.dynamo);
  await emulators.createStream(COUNTS, 1);
  await emulators.createStream(MILESTONES, 1);
});

afterAll(async () => {
  await emulators?.stop();
});

/** One effect per event: a per-key total and a per-event-id count of applications. */
const countEffects: EventHandler = (event, ctx) => {
  const { counter, by } = event.data as { counter: string; by: number };
  ctx.update('totals', counter, { add: { total: by } });
  ctx.update('limits', `applied#${event.id}`, { add: { n: 1 } });
};

const counted = (counter: string, id: string) => envelopeOf('Counted', { counter, by: 1 }, counter, id);

const milestone = (counter: string, id: string, createdAt = Date.now()): OutboxEntry => ({
  sk: `${'0'.repeat(60)}0001#0000`,
  topic: 'milestones',
  envelope: {
    ...envelopeOf('MilestoneReached', { counter, total: 3 }, counter, id),
    source: '/services/counter',
  },
  createdAt,
  sourceKey: counter,
});

const kinesisPublisher = () => createKinesisPublisher(emulators.kinesis, (topic) => `${topic}-stream`);

describe('copies in the log (kinesis-mock + DynamoDB Local)', () => {
  it('a PutRecords whose response is lost after Kinesis stored it: one effect per subscription, whether the copy lands next to the original or after the key has moved on', async () => {
    // Prepare
    const run = `lost-${Date.now()}`;
    const [near, far] = [`${run}-near`, `${run}-far`];
    const firstAttempt = Date.now();
    await putEnvelope(emulators.kinesis, COUNTS, counted(near, `${near}-1`));
    await putEnvelope(emulators.kinesis, COUNTS, counted(near, `${near}-1`), firstAttempt);
    await putEnvelope(emulators.kinesis, COUNTS, counted(far, `${far}-1`));
    for (let i = 2; i <= 12; i++) await putEnvelope(emulators.kinesis, COUNTS, counted(far, `${far}-${i}`));
    await putEnvelope(emulators.kinesis, COUNTS, counted(far, `${far}-1`), firstAttempt);
    const [shard] = await shardIds(emulators.kinesis, COUNTS);
    const records = (await readShard(emulators.kinesis, COUNTS, shard ?? '')).filter((r) =>
      [near, far].includes(r.kinesis.partitionKey),
    );
    const consumer = defineConsumer(
      { catalog: testCatalog, service: 'counter', handlers: { Counted: countEffects } },
      {
        env,
        store,
        publisher: new MemoryPublisher(),
        copies: createKinesisCopyFinder(emulators.kinesis),
        shards: createKinesisShardDirectory(emulators.kinesis),
      },
    );

    // Act: batches of 4, so the far copy's original is in an earlier batch, found only in the log.
    const delivery = await deliverAll(consumer, records, 4);

    // Assess
    expect(records).toHaveLength(15);
    expect(delivery.failures).toEqual([]);
    expect((await store.getItem('totals', near))?.total).toBe(1);
    expect((await store.getItem('totals', far))?.total).toBe(12);
    expect((await store.getItem('limits', `applied#${near}-1`))?.n).toBe(1);
    expect((await store.getItem('limits', `applied#${far}-1`))?.n).toBe(1);
  });

  it('a shard that gets a record on every poll while an outbox entry awaits recovery: no stall', async () => {
    // Prepare: a crash left an emitted event in the outbox; the topic it goes to never goes quiet.
    const run = `stall-${Date.now()}`;
    const [shard = ''] = await shardIds(emulators.kinesis, COUNTS);
    const position = { service: 'counter', topic: 'counts', shardId: shard };
    await store.commit({ position, moves: [], writes: [], outbox: [milestone(run, `${run}-m`)] });
    await putEnvelope(emulators.kinesis, COUNTS, counted(run, `${run}-1`));
    const records = (await readShard(emulators.kinesis, COUNTS, shard)).filter(
      (r) => r.kinesis.partitionKey === run,
    );
    const consumer = defineConsumer(
      { catalog: testCatalog, service: 'counter', handlers: { Counted: countEffects } },
      {
        env,
        store,
        publisher: kinesisPublisher(),
        copies: createKinesisCopyFinder(emulators.kinesis),
        shards: createKinesisShardDirectory(emulators.kinesis),
      },
    );
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        await putEnvelope(emulators.kinesis, MILESTONES, {
          ...envelopeOf(
            'MilestoneReached',
            { counter: `${run}-noise`, total: written },
            `${run}-noise`,
            `${run}-n${written}`,
          ),
          source: '/services/other',
        });
        written += 1;
      }
    })();

    // The topic is busy before the delivery starts: on a fast machine the delivery could otherwise be
    // over before the writer's first record landed, and the test would check a quiet topic.
    for (const until = Date.now() + 60_000; written < 3 && Date.now() < until; ) await sleep(20);

    // Act
    let delivery: Awaited<ReturnType<typeof deliverAll>>;
    try {
      delivery = await deliverAll(consumer, records, 10, 3);
    } finally {
      writing = false;
      await writer;
    }

    // Assess
    const copies = (await envelopesIn(emulators.kinesis, MILESTONES)).filter((e) => e.id === `${run}-m`);
    expect(written).toBeGreaterThanOrEqual(3);
    expect(delivery.failures).toEqual([]);
    expect(await store.loadOutbox(position)).toEqual([]);
    expect(copies).toHaveLength(1);
    expect((await store.getItem('totals', run))?.total).toBe(1);
  });

  it('a split with an outbox entry pending on the parent: the emit is published once', async () => {
    // Prepare: a stream of its own, one shard, with a leftover on that shard; then split it.
    const stream = `split-${Date.now()}`;
    const splitEnv = { ...env, SPINE_STREAM_COUNTS: stream };
    await emulators.createStream(stream, 1);
    const [parent = ''] = await shardIds(emulators.kinesis, stream);
    const run = `split-${Date.now()}`;
    const parentPosition = { service: 'counter', topic: 'counts', shardId: parent };
    await store.commit({
      position: parentPosition,
      moves: [],
      writes: [],
      outbox: [milestone(run, `${run}-m`)],
    });
    await emulators.kinesis.send(
      new SplitShardCommand({
        StreamName: stream,
        ShardToSplit: parent,
        NewStartingHashKey: (2n ** 127n).toString(),
      }),
    );
    for (let i = 0; i < 300; i++) {
      const out = await emulators.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
      if (out.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') break;
      await sleep(100);
    }
    const { shardId: child } = await putEnvelope(emulators.kinesis, stream, counted(run, `${run}-1`));
    const records = await readShard(emulators.kinesis, stream, child);
    const consumer = defineConsumer(
      { catalog: testCatalog, service: 'counter', handlers: { Counted: countEffects } },
      {
        env: splitEnv,
        store,
        publisher: kinesisPublisher(),
        copies: createKinesisCopyFinder(emulators.kinesis),
        shards: createKinesisShardDirectory(emulators.kinesis),
      },
    );

    // Act: the child's batch, then the same batch again (a redelivery).
    const first = await deliverAll(consumer, records, 10, 3);
    const again = await deliverAll(consumer, records, 10, 3);

    // Assess
    const published = (await envelopesIn(emulators.kinesis, MILESTONES)).filter((e) => e.id === `${run}-m`);
    expect(child).not.toBe(parent);
    expect(records).toHaveLength(1);
    expect([first.failures, again.failures]).toEqual([[], []]);
    expect(await store.loadOutbox(parentPosition)).toEqual([]);
    expect(published).toHaveLength(1);
    expect(typeof published[0]?.spineresent).toBe('string');
    expect(outboxPk(parentPosition)).toContain(parent);
  });
});
