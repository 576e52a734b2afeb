import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultCounts, type FaultRelay, FaultSchedule, startFaultRelay } from '../../../local/faults';
import {
  createKinesisCopyFinder,
  createKinesisShardDirectory,
  defineConsumer,
  type EventHandler,
  MemoryPublisher,
} from '../../../shared/consumer';
import { encodeEnvelope } from '../../../shared/envelope';
import { writeRecords } from '../../../shared/ingress';
import { testCatalog } from '../../fixtures/catalog';
import { envelopeOf } from '../../fixtures/kinesis';
import { EMULATOR_HTTP, type Emulators, startEmulators, TEST_AWS } from '../helpers/emulators';
import { createRuntimeTables, dynamoStore, env } from './harness';
import { deliverAll, readShard, shardIds } from './log';

const COUNTS = 'counts-stream';

let emulators: Emulators;

beforeAll(async () => {
  emulators = await startEmulators();
  await createRuntimeTables(emulators.dynamo);
  await emulators.createStream(COUNTS, 1);
  await emulators.createStream('milestones-stream', 1);
});

afterAll(async () => {
  await emulators?.stop();
});

/** A relay in front of kinesis-mock whose first PutRecords lands late: after the writer's marked re-send. */
const lateLandingRelay = async (): Promise<{ relay: FaultRelay; counts: FaultCounts }> => {
  const counts = new FaultCounts();
  const schedule = new FaultSchedule({
    service: 'kinesis',
    rates: {},
    seed: 1,
    counts,
    forceLateLandingAt: 1,
  });
  const relay = await startFaultRelay(0, Number(new URL(emulators.kinesisEndpoint).port), schedule);
  return { relay, counts };
};

/** One effect per event: a per-key total and a per-event-id count of applications. */
const countEffects: EventHandler = (event, ctx) => {
  const { counter, by } = event.data as { counter: string; by: number };
  ctx.update('totals', counter, { add: { total: by } });
  ctx.update('limits', `applied#${event.id}`, { add: { n: 1 } });
};

describe('the overtaking window (kinesis-mock behind the fault relay + DynamoDB Local)', () => {
  it.each([
    ['in one batch', 100],
    ['across batches', 1],
  ])('an unmarked original stored after its marked re-send is applied once (%s)', async (_, batchSize) => {
    // Prepare: the writer's first PutRecords loses its answer and is held; its marked re-send lands,
    // then the held original is stored behind it.
    const run = `late-${batchSize}-${Date.now()}`;
    const { relay, counts } = await lateLandingRelay();
    // HTTP/1.1 as the relay speaks it (the Kinesis client defaults to HTTP/2 for SubscribeToShard).
    const through = new KinesisClient({
      ...TEST_AWS,
      endpoint: `http://127.0.0.1:${relay.port}`,
      requestHandler: new NodeHttpHandler(EMULATOR_HTTP),
    });
    const outcome = await writeRecords(
      through,
      COUNTS,
      [0, 1].map((n) => ({
        index: n,
        partitionKey: run,
        data: encodeEnvelope(envelopeOf('Counted', { counter: run, by: 1 }, run, `${run}-${n}`)),
      })),
      { callTimeoutMs: 5_000 },
    );
    const [shard = ''] = await shardIds(emulators.kinesis, COUNTS);
    let records = await readShard(emulators.kinesis, COUNTS, shard);
    for (let i = 0; i < 100 && records.filter((r) => r.kinesis.partitionKey === run).length < 4; i++) {
      await new Promise((r) => setTimeout(r, 100));
      records = await readShard(emulators.kinesis, COUNTS, shard);
    }
    records = records.filter((r) => r.kinesis.partitionKey === run);
    const marked = records.map((r) => Buffer.from(r.kinesis.data, 'base64').includes('"spineresent"'));
    const consumer = defineConsumer(
      { catalog: testCatalog, service: 'counter', handlers: { Counted: countEffects } },
      {
        env,
        store: dynamoStore(emulators.dynamo),
        publisher: new MemoryPublisher(),
        copies: createKinesisCopyFinder(emulators.kinesis),
        shards: createKinesisShardDirectory(emulators.kinesis),
      },
    );

    // Act
    const delivery = await deliverAll(consumer, records, batchSize);

    // Assess: the log holds the marked copies first, then the originals; each event applied once.
    through.destroy();
    await relay.close();
    expect(counts.get('kinesis.lateLanding')).toBe(1);
    expect(outcome.written.size).toBe(2);
    expect(marked).toEqual([true, true, false, false]);
    expect(delivery.failures).toEqual([]);
    const store = dynamoStore(emulators.dynamo);
    expect((await store.getItem('totals', run))?.total).toBe(2);
    expect((await store.getItem('limits', `applied#${run}-0`))?.n).toBe(1);
    expect((await store.getItem('limits', `applied#${run}-1`))?.n).toBe(1);
  });
});
