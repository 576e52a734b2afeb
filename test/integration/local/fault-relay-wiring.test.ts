import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand,
  KinesisClient,
  ListStreamsCommand,
  PutRecordCommand,
} from '@aws-sdk/client-kinesis';
import { afterAll, describe, expect, it } from 'vitest';
import { localClientConfig, silentLogger, startDynamo, startKinesis } from '../../../local';
import { FaultCounts, FaultSchedule } from '../../../local/faults';

describe('local mode emulators with SPINE_FAULTS schedules', () => {
  const work = mkdtempSync(join(tmpdir(), 'spine-relay-'));
  const stops: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('serves DynamoDB Local through the fault relay: a conditional write is applied and its answer lost', async () => {
    const counts = new FaultCounts();
    const emulator = await startDynamo({
      dataDir: join(work, 'dynamodb'),
      port: 0,
      logFile: join(work, 'dynamodb.log'),
      log: silentLogger,
      inMemory: true,
      timeoutMs: 60_000,
      faults: new FaultSchedule({ service: 'dynamodb', rates: { lostResponse: 1 }, seed: 5, counts }),
    });
    stops.push(emulator.stop);
    const dynamo = new DynamoDBClient({
      ...localClientConfig(`http://127.0.0.1:${emulator.port}`),
      maxAttempts: 1,
    });
    stops.push(async () => dynamo.destroy());
    await dynamo.send(
      new CreateTableCommand({
        TableName: 'relay-t',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );

    const put = await dynamo
      .send(
        new PutItemCommand({
          TableName: 'relay-t',
          Item: { pk: { S: 'a' } },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      )
      .then(
        () => 'answered',
        () => 'lost',
      );
    const read = await dynamo.send(new GetItemCommand({ TableName: 'relay-t', Key: { pk: { S: 'a' } } }));

    expect(put).toBe('lost');
    expect(read.Item?.pk?.S).toBe('a');
    expect(counts.total('dynamodb.lostResponse')).toBe(1);
  });

  it('serves the default Kinesis emulator (Kinesis lite) through the fault relay: PutRecord throttled without reaching the stream', async () => {
    const counts = new FaultCounts();
    const schedule = new FaultSchedule({ service: 'kinesis', rates: { throttle: 1 }, seed: 5, counts });
    const kinesisEmulator = await startKinesis({
      dataDir: join(work, 'kinesis'),
      port: 0,
      homeMarker: `--spine-test=${work}`,
      logFile: join(work, 'kinesis.log'),
      log: silentLogger,
      persist: false,
      timeoutMs: 60_000,
      faults: schedule,
    });
    stops.push(kinesisEmulator.stop);
    const kinesis = new KinesisClient({
      ...localClientConfig(`http://127.0.0.1:${kinesisEmulator.port}`),
      maxAttempts: 1,
    });
    stops.push(async () => kinesis.destroy());
    await kinesis.send(new CreateStreamCommand({ StreamName: 's', ShardCount: 1 }));

    const error = await kinesis
      .send(new PutRecordCommand({ StreamName: 's', PartitionKey: 'k', Data: new Uint8Array([1]) }))
      .catch((e: unknown) => e);
    const listed = await kinesis.send(new ListStreamsCommand({}));

    expect((error as Error).name).toBe('ProvisionedThroughputExceededException');
    expect(listed.StreamNames).toContain('s');
    expect(counts.get('kinesis.throttle')).toBe(1);
  });
});
