import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { KinesisStreamRecord } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineCatalog } from '../../../shared/catalog';
import { defineConsumer, type EventHandler, MemoryPublisher } from '../../../shared/consumer';
import { testCatalog } from '../../fixtures/catalog';
import { kinesisEvent } from '../../fixtures/kinesis';
import { type Emulators, startEmulators } from '../helpers/emulators';
import {
  type CrashPoint,
  countedRecord,
  createRuntimeTables,
  dynamoStore,
  env,
  InjectedCrash,
  TABLES,
  withFaults,
} from './harness';

/** The test catalog with retries that never run out, so transient failures cannot park an event. */
const catalogWith = (parallelizationFactor: number) => {
  const { __validated: _, ...spec } = testCatalog;
  return defineCatalog({
    ...spec,
    services: spec.services.map((s) => ({
      ...s,
      subscriptions: s.subscriptions.map((sub) => ({
        ...sub,
        parallelizationFactor,
        retry: { maxAttempts: 10_000, bisectOnError: false },
      })),
    })),
  });
};

/** mulberry32: a tiny seeded PRNG so every fault schedule is reproducible from fast-check's seed. */
const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

interface Scenario {
  readonly keys: number;
  readonly events: number;
  readonly batchSize: number;
  readonly crashRate: number;
  readonly failRate: number;
  readonly redeliverRate: number;
  readonly seed: number;
}

/** Reads a key's total, checks order, emits a milestone on every third event of a key. */
const makeHandler =
  (shouldFail: () => boolean): EventHandler =>
  async (event, ctx) => {
    const { counter, by, index } = event.data as { counter: string; by: number; index: number };
    if (shouldFail()) throw new Error('transient handler failure');
    const item = await ctx.get('totals', counter);
    const count = Number(item?.count ?? 0) + 1;
    const total = Number(item?.total ?? 0) + by;
    const inOrder = index === Number(item?.lastIndex ?? -1) + 1;
    ctx.put('totals', {
      pk: counter,
      count,
      total,
      lastIndex: index,
      outOfOrder: Number(item?.outOfOrder ?? 0) + (inOrder ? 0 : 1),
    });
    if (count % 3 === 0) ctx.emit('MilestoneReached', { counter, total });
  };

/** Builds the log: `events` records over two shards, keys spread across both, numbered per key. */
const buildLog = (run: string, s: Scenario, rng: () => number) => {
  const shards = [`shardId-${run}-0`, `shardId-${run}-1`];
  const perKey = new Map<string, number>();
  const byShard = new Map<string, KinesisStreamRecord[]>(shards.map((id) => [id, []]));
  const expected = new Map<string, { count: number; total: number; milestones: number[] }>();
  for (let n = 1; n <= s.events; n++) {
    const k = Math.floor(rng() * s.keys);
    const counter = `${run}-k${k}`;
    const shardId = shards[k % 2] ?? 'shardId-0';
    const index = perKey.get(counter) ?? 0;
    perKey.set(counter, index + 1);
    const by = 1 + Math.floor(rng() * 9);
    byShard.get(shardId)?.push(countedRecord(n, counter, { by, index }, shardId));
    const e = expected.get(counter) ?? { count: 0, total: 0, milestones: [] };
    e.count += 1;
    e.total += by;
    if (e.count % 3 === 0) e.milestones.push(e.total);
    expected.set(counter, e);
  }
  return { byShard, expected };
};

/**
 * Plays the event source mapping: delivers each lane in batches, retries from the reported failure,
 * re-delivers a whole batch after a crash (as Lambda does when an invocation dies), and sometimes
 * re-delivers records that were already acknowledged.
 */
const deliver = async (
  lanes: KinesisStreamRecord[][],
  consumer: ReturnType<typeof defineConsumer>,
  s: Scenario,
  rng: () => number,
  crashed: { value: boolean },
) => {
  const positions = lanes.map(() => 0);
  let invocations = 0;
  while (positions.some((p, i) => p < (lanes[i]?.length ?? 0))) {
    const open = lanes.map((_, i) => i).filter((i) => (positions[i] ?? 0) < (lanes[i]?.length ?? 0));
    const laneIndex = open[Math.floor(rng() * open.length)] ?? 0;
    const lane = lanes[laneIndex] ?? [];
    const p = positions[laneIndex] ?? 0;
    const start = p > 0 && rng() < s.redeliverRate ? Math.max(0, p - 1 - Math.floor(rng() * s.batchSize)) : p;
    const batch = lane.slice(start, start + s.batchSize);
    crashed.value = false;
    const response = await consumer(kinesisEvent(batch));
    invocations += 1;
    if (invocations > 50_000) throw new Error('delivery did not converge');
    const failedAt = response.batchItemFailures[0]?.itemIdentifier;
    if (crashed.value) positions[laneIndex] = start;
    else if (failedAt === undefined) positions[laneIndex] = start + batch.length;
    else positions[laneIndex] = lane.findIndex((r) => r.kinesis.sequenceNumber === failedAt);
  }
  return invocations;
};

describe('consumer runtime exactly-once effects on DynamoDB Local (property)', () => {
  let emulators: Emulators;
  const totals = { events: 0, invocations: 0, crashes: new Map<CrashPoint, number>(), runs: 0 };

  beforeAll(async () => {
    emulators = await startEmulators();
    await createRuntimeTables(emulators.dynamo);
  });

  afterAll(async () => {
    await emulators?.stop();
    console.log(
      `exactly-once property: ${totals.runs} runs, ${totals.events} events, ${totals.invocations} invocations, crashes ${JSON.stringify(Object.fromEntries(totals.crashes))}`,
    );
  });

  const scenario = fc.record({
    keys: fc.integer({ min: 1, max: 40 }),
    events: fc.integer({ min: 800, max: 1000 }),
    batchSize: fc.constantFrom(1, 7, 10, 25, 100),
    crashRate: fc.double({ min: 0, max: 0.12, noNaN: true }),
    failRate: fc.double({ min: 0, max: 0.05, noNaN: true }),
    redeliverRate: fc.double({ min: 0, max: 0.3, noNaN: true }),
    seed: fc.integer(),
  });

  const runScenario = async (s: Scenario, parallelizationFactor: number) => {
    const run = `r${totals.runs++}p${parallelizationFactor}`;
    const rng = prng(s.seed);
    const { byShard, expected } = buildLog(run, s, rng);
    const downstream = new MemoryPublisher();
    const crashed = { value: false };
    const faults = withFaults(dynamoStore(emulators.dynamo), downstream, (point) => {
      if (rng() >= s.crashRate) return false;
      crashed.value = true;
      totals.crashes.set(point, (totals.crashes.get(point) ?? 0) + 1);
      return true;
    });
    const failing = () => {
      const fail = rng() < s.crashRate / 2;
      if (fail) {
        crashed.value = true;
        totals.crashes.set('handler', (totals.crashes.get('handler') ?? 0) + 1);
        throw new InjectedCrash('handler');
      }
      return rng() < s.failRate;
    };
    const consumer = defineConsumer(
      {
        catalog: catalogWith(parallelizationFactor),
        service: 'counter',
        handlers: { Counted: makeHandler(failing) },
      },
      { env, ...faults },
    );
    // At parallelization > 1 Lambda runs batches of different keys of one shard concurrently: lanes by key.
    const lanes = [...byShard.values()].flatMap((records) =>
      parallelizationFactor === 1
        ? [records]
        : [0, 1, 2].map((lane) => records.filter((r) => r.kinesis.partitionKey.length % 3 === lane)),
    );
    totals.invocations += await deliver(lanes, consumer, s, rng, crashed);
    totals.events += s.events;

    for (const [counter, e] of expected) {
      const item = await dynamoStore(emulators.dynamo).getItem('totals', counter);
      expect(item).toMatchObject({ count: e.count, total: e.total, outOfOrder: 0 });
    }
    const emitted = downstream.published.filter((p) =>
      String((p.data as { counter: string }).counter).startsWith(`${run}-`),
    );
    expect(new Set(emitted.map((p) => p.id)).size).toBe(emitted.length);
    const milestones = [...expected].flatMap(([counter, e]) =>
      e.milestones.map((total) => `${counter}:${total}`),
    );
    expect(
      emitted
        .map((p) => `${(p.data as { counter: string }).counter}:${(p.data as { total: number }).total}`)
        .sort(),
    ).toEqual(milestones.sort());
  };

  it('ends in the state of one clean pass, with every emitted event published exactly once (parallelization 1)', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, (s) => runScenario(s, 1)),
      { numRuns: 8, endOnFailure: true },
    );
  }, 240_000);

  it('holds at parallelization factor 4, with batches of different keys of one shard interleaved', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, (s) => runScenario(s, 4)),
      { numRuns: 5, endOnFailure: true },
    );
  }, 240_000);

  it('leaves nothing behind in the outbox or the parking lot', async () => {
    const outbox = await emulators.dynamo.send(new ScanCommand({ TableName: TABLES.outbox }));
    const parked = await emulators.dynamo.send(new ScanCommand({ TableName: TABLES.parking }));

    expect(totals.events).toBeGreaterThanOrEqual(10_000);
    expect(outbox.Count).toBe(0);
    expect(parked.Count).toBe(0);
  });
});
