import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localStreamName, silentLogger } from '../../../local';
import { streamOf } from '../../../local/cdc';
import { reshardStream } from '../../../local/esm';
import { plannedTables, provision } from '../../../local/provision';
import { testCatalog } from '../../fixtures/catalog';
import { loseResponses } from '../../fixtures/lost-response';
import { type Emulators, emulatorClient, startEmulators } from '../helpers/emulators';

/** The test catalog with one topic kept 48 h, so provisioning also raises a stream's retention. */
const catalog = {
  ...testCatalog,
  topics: testCatalog.topics.map((topic, i) => (i === 0 ? { ...topic, retentionHours: 48 } : topic)),
};

describe('local mode provisioning (kinesis-mock + DynamoDB Local)', () => {
  let env: Emulators;
  beforeAll(async () => {
    env = await startEmulators();
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('creates every stream and table, with retention and TTL, when each create is applied and its answer lost', async () => {
    // Prepare: every create call reaches the emulator and takes effect, then its caller sees a timeout;
    // the SDK sends it again (as after a request timeout on a busy machine), and the emulator refuses
    // the copy: the stream or table exists already, made by this very start.
    const kinesis = new KinesisClient(emulatorClient(env.kinesisEndpoint));
    const dynamo = new DynamoDBClient(emulatorClient(env.dynamoEndpoint));
    const lostStreams = loseResponses(kinesis, {
      commands: ['CreateStreamCommand', 'IncreaseStreamRetentionPeriodCommand'],
      times: Number.POSITIVE_INFINITY,
    });
    const lostTables = loseResponses(dynamo, {
      commands: ['CreateTableCommand', 'UpdateTimeToLiveCommand'],
      times: Number.POSITIVE_INFINITY,
    });
    const tables = plannedTables(catalog);

    // Act
    await provision(catalog, { kinesis, dynamo }, silentLogger);

    // Assess: each create lost at least one answer, and everything exists as declared.
    expect(lostStreams.lost()).toBeGreaterThanOrEqual(catalog.topics.length + 1);
    expect(lostTables.lost()).toBeGreaterThanOrEqual(tables.length);
    for (const topic of catalog.topics) {
      const summary = (
        await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: localStreamName(topic.name) }))
      ).StreamDescriptionSummary;
      expect(summary?.StreamStatus, topic.name).toBe('ACTIVE');
      expect(summary?.RetentionPeriodHours, topic.name).toBe(topic.retentionHours);
    }
    for (const table of tables) {
      const described = await dynamo.send(new DescribeTableCommand({ TableName: table.name }));
      expect(described.Table?.TableStatus, table.name).toBe('ACTIVE');
      const ttl = await dynamo.send(new DescribeTimeToLiveCommand({ TableName: table.name }));
      if (table.ttlAttribute)
        expect(ttl.TimeToLiveDescription?.AttributeName, table.name).toBe(table.ttlAttribute);
    }
    kinesis.destroy();
    dynamo.destroy();
  });

  it('reshards a stream (spine reshard) when each UpdateShardCount is applied and its answer lost', async () => {
    // Prepare
    const kinesis = new KinesisClient(emulatorClient(env.kinesisEndpoint));
    await env.createStream('resharded', 1);
    const lost = loseResponses(kinesis, {
      commands: ['UpdateShardCountCommand'],
      times: Number.POSITIVE_INFINITY,
    });

    // Act
    const result = await reshardStream(kinesis, 'resharded', 4);

    // Assess: two steps (a step at most doubles), each lost at least once, four open shards.
    expect(lost.lost()).toBeGreaterThanOrEqual(2);
    expect(result.steps).toEqual([
      { from: 1, to: 2 },
      { from: 2, to: 4 },
    ]);
    expect(result.openShards).toHaveLength(4);
    kinesis.destroy();
  });

  it("switches a table's stream on for CDC when the switch is applied and its answer lost", async () => {
    // Prepare
    const dynamo = new DynamoDBClient(emulatorClient(env.dynamoEndpoint));
    await env.createIdempotencyTable('cdc-source');
    const lost = loseResponses(dynamo, { commands: ['UpdateTableCommand'], times: Number.POSITIVE_INFINITY });

    // Act
    const arn = await streamOf(dynamo, 'cdc-source');

    // Assess
    const table = (await dynamo.send(new DescribeTableCommand({ TableName: 'cdc-source' }))).Table;
    expect(lost.lost()).toBeGreaterThanOrEqual(1);
    expect(table?.StreamSpecification?.StreamEnabled).toBe(true);
    expect(arn).toBe(table?.LatestStreamArn);
    dynamo.destroy();
  });
});
