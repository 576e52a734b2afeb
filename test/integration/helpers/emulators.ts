import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  localClientConfig,
  silentLogger,
  startDynamo,
  startKinesis,
} from '../../../local';
import { type MemoryKinesisOptions, startMemoryKinesis } from '../../fixtures/memory-kinesis';
import { createTable } from './tables';

/** Fake credentials: both emulators accept any. */
export const TEST_AWS = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS } as const;

/** A test client's configuration for an emulator at `endpoint`: as local mode's own (`localClientConfig`). */
export const emulatorClient = (endpoint: string) => localClientConfig(endpoint);

export interface Emulators {
  readonly kinesis: KinesisClient;
  readonly dynamo: DynamoDBClient;
  readonly kinesisEndpoint: string;
  readonly dynamoEndpoint: string;
  createStream(name: string, shards?: number): Promise<void>;
  createIdempotencyTable(name: string): Promise<void>;
  /**
   * What the memory Kinesis did to GetRecords pages so far, as fault kinds (`kinesis.emptyPage`,
   * `kinesis.shortPage`); empty on kinesis-mock, which never cuts a page.
   */
  logCounts(): Record<string, number>;
  stop(): Promise<void>;
}

/**
 * Which Kinesis serves the log: kinesis-mock (the default here), Kinesis lite as local mode runs it (its
 * own process, local/emulators/kinesis-lite), or the same code in-process (test/fixtures/memory-kinesis).
 */
export type LogEmulator = 'kinesis-mock' | 'lite' | 'memory';

/**
 * Starts kinesis-mock and DynamoDB Local with local mode's own starters, on free ports, in their
 * ephemeral modes (no persistence, tables in memory): integration tests need the real protocol, not
 * the durability. With `log: 'memory'` the memory Kinesis (proven equal to kinesis-mock by
 * memory-kinesis-contract.test.ts) takes kinesis-mock's place; DynamoDB stays DynamoDB Local.
 */
export const startEmulators = async (
  options: { readonly log?: LogEmulator; readonly memory?: MemoryKinesisOptions } = {},
): Promise<Emulators> => {
  const work = mkdtempSync(join(tmpdir(), 'spine-it-'));
  const common = { log: silentLogger, timeoutMs: 90_000 };
  const [kinesisStart, dynamoStart] = await Promise.allSettled([
    options.log === 'memory'
      ? startMemoryKinesis(options.memory)
      : startKinesis({
          ...common,
          emulator: options.log ?? 'kinesis-mock',
          dataDir: join(work, 'kinesis'),
          port: 0,
          homeMarker: `--spine-test=${work}`,
          logFile: join(work, 'kinesis.log'),
          persist: false,
        }),
    startDynamo({
      ...common,
      dataDir: join(work, 'dynamodb'),
      port: 0,
      logFile: join(work, 'dynamodb.log'),
      inMemory: true,
    }),
  ]);
  const stopped = async () => {
    if (kinesisStart.status === 'fulfilled') await kinesisStart.value.stop();
    if (dynamoStart.status === 'fulfilled') await dynamoStart.value.stop();
    rmSync(work, { recursive: true, force: true });
  };
  if (kinesisStart.status === 'rejected' || dynamoStart.status === 'rejected') {
    await stopped();
    throw kinesisStart.status === 'rejected'
      ? kinesisStart.reason
      : (dynamoStart as PromiseRejectedResult).reason;
  }
  const kinesisEndpoint = `http://127.0.0.1:${kinesisStart.value.port}`;
  const dynamoEndpoint = `http://127.0.0.1:${dynamoStart.value.port}`;
  const kinesis = new KinesisClient(emulatorClient(kinesisEndpoint));
  const dynamo = new DynamoDBClient(emulatorClient(dynamoEndpoint));
  return {
    kinesis,
    dynamo,
    kinesisEndpoint,
    dynamoEndpoint,
    async createStream(name, shards = 2) {
      await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
      for (let i = 0; i < 300; i++) {
        const out = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
        if (out.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
        await sleep(100);
      }
      throw new Error(`stream ${name} did not become ACTIVE`);
    },
    async createIdempotencyTable(name) {
      await createTable(dynamo, name, { partitionKey: 'pk' });
    },
    logCounts(): Record<string, number> {
      const started = kinesisStart.value;
      if (!('pageCuts' in started)) return {};
      const cuts = started.pageCuts();
      return { 'kinesis.emptyPage': cuts.empty, 'kinesis.shortPage': cuts.short };
    },
    async stop() {
      kinesis.destroy();
      dynamo.destroy();
      await stopped();
    },
  };
};
