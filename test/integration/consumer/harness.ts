import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { KinesisStreamRecord } from 'aws-lambda';
import { afterAll, beforeAll } from 'vitest';
import { RUNTIME_TABLES } from '../../../shared/config';
import {
  type ConsumerStore,
  createDynamoStore,
  type DynamoStoreOptions,
  type EventPublisher,
  MemoryPublisher,
  type OutboxEntry,
} from '../../../shared/consumer';
import { testStreamEnv } from '../../fixtures/catalog';
import { envelopeOf, kinesisRecord, seq } from '../../fixtures/kinesis';
import { type Emulators, startEmulators } from '../helpers/emulators';
import { createTable } from '../helpers/tables';

export const TABLES = {
  checkpoints: 'eo-checkpoints',
  parking: 'eo-parking',
  outbox: 'eo-outbox',
  totals: 'eo-totals',
  limits: 'eo-limits',
} as const;

export const createRuntimeTables = async (dynamo: DynamoDBClient): Promise<void> => {
  await createTable(dynamo, TABLES.checkpoints, RUNTIME_TABLES.checkpoints);
  await createTable(dynamo, TABLES.parking, RUNTIME_TABLES.parking);
  await createTable(dynamo, TABLES.outbox, RUNTIME_TABLES.outbox);
  await createTable(dynamo, TABLES.totals, { partitionKey: 'pk' });
  await createTable(dynamo, TABLES.limits, { partitionKey: 'pk' });
};

/**
 * Starts DynamoDB Local (and the memory Kinesis) with the runtime tables for the enclosing file or
 * describe, and stops them after. Returns a store factory on it: one call per test or case.
 */
export const useDynamoStores = (): ((service?: string) => ConsumerStore) => {
  let emulators: Emulators | undefined;
  beforeAll(async () => {
    emulators = await startEmulators({ log: 'memory' });
    await createRuntimeTables(emulators.dynamo);
  }, 180_000);
  afterAll(async () => {
    await emulators?.stop();
  });
  return (service) => {
    if (!emulators) throw new Error('DynamoDB Local did not start');
    return dynamoStore(emulators.dynamo, service);
  };
};

export const dynamoStore = (
  dynamo: DynamoDBClient,
  service = 'counter',
  options: Pick<DynamoStoreOptions, 'tombstoneGraceMs' | 'now'> & { client?: DynamoDBDocumentClient } = {},
): ConsumerStore =>
  createDynamoStore({
    ...(options.tombstoneGraceMs !== undefined && { tombstoneGraceMs: options.tombstoneGraceMs }),
    ...(options.now && { now: options.now }),
    client: options.client ?? DynamoDBDocumentClient.from(dynamo),
    service,
    checkpointsTable: TABLES.checkpoints,
    parkingTable: TABLES.parking,
    outboxTable: TABLES.outbox,
    stateTables: { totals: TABLES.totals, limits: TABLES.limits },
  });

export const env = testStreamEnv;

/** A `Counted` record on the counts stream, numbered `n` (sequence number order) within `shardId`. */
export const countedRecord = (
  n: number,
  counter: string,
  data: Record<string, unknown>,
  shardId = 'shardId-000000000000',
): KinesisStreamRecord =>
  kinesisRecord({
    stream: 'counts-stream',
    shardId,
    sequenceNumber: seq(n),
    partitionKey: counter,
    data: envelopeOf('Counted', { counter, ...data }, counter, `${shardId}-e${n}`),
  });

/** Thrown by fault injection: stands for the Lambda process dying at that point. */
export class InjectedCrash extends Error {
  constructor(readonly point: string) {
    super(`injected crash at ${point}`);
    this.name = 'InjectedCrash';
  }
}

export type CrashPoint =
  | 'before-load'
  | 'before-commit'
  | 'after-commit'
  | 'after-publish'
  | 'before-outbox-delete'
  | 'handler';

/** Wraps a store and a publisher so that crashes fire at the runtime's steps when `shouldCrash` says so. */
export const withFaults = (
  store: ConsumerStore,
  publisher: EventPublisher,
  shouldCrash: (point: CrashPoint) => boolean,
): { store: ConsumerStore; publisher: EventPublisher } => {
  const fault = (point: CrashPoint) => {
    if (shouldCrash(point)) throw new InjectedCrash(point);
  };
  return {
    store: {
      loadCheckpoints: async (position, sks) => {
        fault('before-load');
        return store.loadCheckpoints(position, sks);
      },
      getItem: (table, pk) => store.getItem(table, pk),
      readItem: (table, pk) => store.readItem(table, pk),
      // A single-item write is a commit of its own: the same crash points, so a death between fenced
      // writes and the checkpoint is exercised.
      writeFenced: async (position, write) => {
        fault('before-commit');
        const result = await store.writeFenced(position, write);
        fault('after-commit');
        return result;
      },
      commit: async (commit) => {
        fault('before-commit');
        await store.commit(commit);
        fault('after-commit');
      },
      recordFailure: (position, sk, expected, failure, fencedTo) =>
        store.recordFailure(position, sk, expected, failure, fencedTo),
      markStarted: (position, sk, loaded, mark, failure) =>
        store.markStarted(position, sk, loaded, mark, failure),
      clearStarted: (position, sk, token) => store.clearStarted(position, sk, token),
      loadOutbox: (position) => store.loadOutbox(position),
      deleteOutbox: async (position, sks) => {
        fault('before-outbox-delete');
        await store.deleteOutbox(position, sks);
      },
      claimOutbox: (position, sk, lease, token) => store.claimOutbox(position, sk, lease, token),
      sweepTombstones: (position) => store.sweepTombstones(position),
    },
    publisher: {
      publish: async (entries: readonly OutboxEntry[], options) => {
        await publisher.publish(entries, options);
        fault('after-publish');
      },
      findPublished: (entries, since, deadline) => publisher.findPublished(entries, since, deadline),
    },
  };
};

export { MemoryPublisher };
