import {
  BatchExecuteStatementCommand,
  BatchGetItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { GetRecordsCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { fakeDynamo, fakeKinesis } from '../../bench/ingress/wire';
import { writeUnits } from '../../bench/lib/item-size';
import { diffCalls, KinesisCallMeter } from '../../bench/lib/kinesis-calls';
import { type Counts, DynamoMeter } from '../../bench/lib/meter';
import { readUnitsFloor } from '../../bench/lib/read-floor';
import { addCounts, perUnit } from '../../bench/rare/per-event';

/** An item of exactly `bytes` by AWS's size rule: the name `pk` (2 bytes) plus a string value. */
const itemOf = (bytes: number) => ({ pk: { S: 'x'.repeat(bytes - 2) } });

describe('writeUnits', () => {
  it('bills 1 KB steps, at least one unit', () => {
    // Act
    const units = [0, 1, 1024, 1025, 2048, 400 * 1024].map(writeUnits);
    // Assess
    expect(units).toEqual([1, 1, 1, 2, 2, 400]);
  });
});

describe('DynamoMeter', () => {
  it('bills a transaction at twice each item in 1 KB steps, per table, whatever DynamoDB Local reports', async () => {
    // Prepare: the fake answers no ConsumedCapacity at all, so every unit below is computed.
    const { client } = fakeDynamo();
    const meter = new DynamoMeter().attach(client);
    // Act
    await client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: 'small', Item: itemOf(1024) } },
          { Put: { TableName: 'large', Item: itemOf(1025) } },
          { Put: { TableName: 'large', Item: itemOf(3000) } },
        ],
      }),
    );
    // Assess: 2 x 1, then 2 x 2 + 2 x 3.
    expect(meter.counts.tables).toEqual({ small: { wcu: 2, rcu: 0 }, large: { wcu: 10, rcu: 0 } });
    expect(meter.counts.ops.TransactWriteItems).toMatchObject({ calls: 1, wcu: 12, computed: 1 });
  });
});

describe('DynamoMeter on PartiQL batches', () => {
  it('bills each INSERT of a BatchExecuteStatement by its item in 1 KB steps, since DynamoDB Local reports none', async () => {
    // Prepare
    const { client } = fakeDynamo();
    const meter = new DynamoMeter().attach(client);
    const insert = (bytes: number) => ({
      Statement: `INSERT INTO "claims" VALUE {'pk': ?}`,
      Parameters: [{ S: 'x'.repeat(bytes - 2) }],
    });
    // Act
    await client.send(
      new BatchExecuteStatementCommand({ Statements: [insert(400), insert(1024), insert(1025)] }),
    );
    // Assess: 1 + 1 + 2.
    expect(meter.counts.tables).toEqual({ claims: { wcu: 4, rcu: 0 } });
    expect(meter.counts.ops.BatchExecuteStatement).toMatchObject({ calls: 1, wcu: 4, computed: 1 });
  });
});

describe('readUnitsFloor', () => {
  it('bills a read that finds nothing: per key requested, by consistency; one item per Query', () => {
    // Act
    const floors = {
      strongGet: readUnitsFloor('GetItem', { ConsistentRead: true }),
      eventualGet: readUnitsFloor('GetItem', {}),
      query: readUnitsFloor('Query', { ConsistentRead: true }),
      batch: readUnitsFloor('BatchGetItem', {
        RequestItems: { a: { Keys: [{}, {}, {}], ConsistentRead: true }, b: { Keys: [{}] } },
      }),
      transact: readUnitsFloor('TransactGetItems', { TransactItems: [{}, {}] }),
      write: readUnitsFloor('PutItem', {}),
    };
    // Assess
    expect(floors).toEqual({ strongGet: 1, eventualGet: 0.5, query: 1, batch: 3.5, transact: 4, write: 0 });
  });

  it('is what the meter bills when DynamoDB Local reports no read units', async () => {
    // Prepare: the fake answers no ConsumedCapacity, as Local does for reads that find nothing.
    const { client } = fakeDynamo();
    const meter = new DynamoMeter().attach(client);
    // Act
    await client.send(
      new QueryCommand({
        TableName: 'outbox',
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'x' } },
        ConsistentRead: true,
      }),
    );
    await client.send(
      new BatchGetItemCommand({
        RequestItems: {
          checkpoints: { Keys: [{ pk: { S: 'a' } }, { pk: { S: 'b' } }], ConsistentRead: true },
        },
      }),
    );
    // Assess
    expect(meter.counts.tables).toEqual({ outbox: { wcu: 0, rcu: 1 }, checkpoints: { wcu: 0, rcu: 2 } });
    expect(meter.counts.ops.BatchGetItem).toMatchObject({ calls: 1, rcu: 2, computed: 1 });
  });
});

describe('KinesisCallMeter', () => {
  it('counts every call by operation, and a diff keeps only what happened in between', async () => {
    // Prepare
    const { client } = fakeKinesis();
    const meter = new KinesisCallMeter().attach(client);
    await client.send(
      new PutRecordsCommand({ StreamName: 's', Records: [{ Data: new Uint8Array(1), PartitionKey: 'k' }] }),
    );
    const before = meter.snapshot();
    // Act
    await client.send(new GetRecordsCommand({ ShardIterator: 'it' }));
    await client.send(new GetRecordsCommand({ ShardIterator: 'it' }));
    // Assess
    expect(meter.calls).toEqual({ PutRecords: 1, GetRecords: 2 });
    expect(diffCalls(meter.snapshot(), before)).toEqual({ GetRecords: 2 });
  });
});

const op = (calls: number, wcu: number, rcu = 0, computed = 0) => ({
  calls,
  wcu,
  rcu,
  wcuReportedByLocal: wcu - computed,
  computed,
  failedConditions: 0,
});

describe('perUnit', () => {
  const dead: Counts = {
    ops: { UpdateItem: op(1, 1), BatchGetItem: op(1, 0, 0.5) },
    tables: { checkpoints: { wcu: 1, rcu: 0.5 } },
  };
  const retry: Counts = {
    ops: { UpdateItem: op(1, 1), TransactWriteItems: op(3, 12, 0, 3), BatchWriteItem: op(1, 6) },
    tables: { checkpoints: { wcu: 7, rcu: 0 }, state: { wcu: 6, rcu: 0 }, undefined: { wcu: 6, rcu: 0 } },
  };

  it('adds the containers of one path and divides by its units, 4 decimals', () => {
    // Act
    const cost = perUnit(addCounts(dead, retry), { GetShardIterator: 1, GetRecords: 2 }, 3);
    // Assess
    expect(cost).toEqual({
      wcu: 6.6667,
      rcu: 0.1667,
      dynamoCalls: 2.3333,
      kinesisCalls: 1,
      dynamoCallsByOp: {
        UpdateItem: 0.6667,
        BatchGetItem: 0.3333,
        TransactWriteItems: 1,
        BatchWriteItem: 0.3333,
      },
      kinesisCallsByOp: { GetShardIterator: 0.3333, GetRecords: 0.6667 },
      wcuByTable: { checkpoints: 2.6667, state: 2, BatchWriteItem: 2 },
      computedCalls: 1,
    });
  });

  it('refuses to divide by no units', () => {
    // Act / Assess
    expect(() => perUnit(dead, {}, 0)).toThrow(/units must be positive/);
  });
});
