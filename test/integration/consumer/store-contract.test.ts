import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConsumerStore,
  MemoryConsumerStore,
  type OutboxEntry,
  type ShardPosition,
} from '../../../shared/consumer';
import { envelopeOf } from '../../fixtures/kinesis';
import { type Emulators, startEmulators } from '../helpers/emulators';
import { createRuntimeTables, dynamoStore } from './harness';

let emulators: Emulators | undefined;
let dynamo: ConsumerStore | undefined;

beforeAll(async () => {
  emulators = await startEmulators();
  await createRuntimeTables(emulators.dynamo);
  dynamo = dynamoStore(emulators.dynamo);
}, 120_000);

afterAll(async () => {
  await emulators?.stop();
});

const entry = (n: number): OutboxEntry => ({
  sk: String(n).padStart(4, '0'),
  topic: 'milestones',
  envelope: {
    ...envelopeOf('MilestoneReached', { counter: 'a', total: n }, 'a', `m-${n}`),
    source: '/services/counter',
  },
  createdAt: Date.now(),
  sourceKey: 'a',
});

let runs = 0;
/** A fresh shard per test, so both stores start from an empty outbox partition. */
const freshPosition = (): ShardPosition => {
  runs += 1;
  return { service: 'counter', topic: 'counts', shardId: `shardId-contract-${Date.now()}-${runs}` };
};

const stores: [string, () => ConsumerStore][] = [
  ['MemoryConsumerStore', () => new MemoryConsumerStore(['totals', 'limits'])],
  [
    'DynamoDB store (DynamoDB Local)',
    () => {
      if (!dynamo) throw new Error('DynamoDB Local did not start');
      return dynamo;
    },
  ],
];

describe.each(stores)('%s outbox claims (store contract)', (_name, makeStore) => {
  it('excludes another token within the lease, and recognises its own claim when retried', async () => {
    const store = makeStore();
    const position = freshPosition();
    await store.commit({ position, moves: [], writes: [], outbox: [entry(1)] });

    const first = await store.claimOutbox(position, entry(1).sk, 60_000, 'me');
    const retried = await store.claimOutbox(position, entry(1).sk, 60_000, 'me');
    const other = await store.claimOutbox(position, entry(1).sk, 60_000, 'other');

    expect([first, retried, other]).toEqual([true, true, false]);
  });

  it('lets another token take a claim whose lease ran out', async () => {
    const store = makeStore();
    const position = freshPosition();
    await store.commit({ position, moves: [], writes: [], outbox: [entry(1)] });

    await store.claimOutbox(position, entry(1).sk, 60_000, 'dead');
    const taken = await store.claimOutbox(position, entry(1).sk, -1, 'me');
    const back = await store.claimOutbox(position, entry(1).sk, 60_000, 'dead');

    expect([taken, back]).toEqual([true, false]);
  });

  it('deletes idempotently, and a deleted entry cannot be claimed', async () => {
    const store = makeStore();
    const position = freshPosition();
    await store.commit({ position, moves: [], writes: [], outbox: [entry(1), entry(2)] });

    await store.deleteOutbox(position, [entry(1).sk]);
    await store.deleteOutbox(position, [entry(1).sk]);
    const claimDeleted = await store.claimOutbox(position, entry(1).sk, 60_000, 'me');
    const left = await store.loadOutbox(position);

    expect(claimDeleted).toBe(false);
    expect(left.map((e) => e.sk)).toEqual([entry(2).sk]);
  });
});
