import { randomBytes } from 'node:crypto';
import {
  DynamoDBClient,
  type ServiceInputTypes,
  type ServiceOutputTypes,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { FinalizeRequestMiddleware } from '@smithy/types';
import type { KinesisStreamRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Catalog, defineCatalog } from '../../../shared/catalog';
import {
  type ConsumerStore,
  defineConsumer,
  type EventHandler,
  type KinesisHandler,
  MemoryPublisher,
  parkedChunkPk,
} from '../../../shared/consumer';
import { dynamoOpsStore } from '../../../shared/ops';
import { lambdaContext } from '../../fixtures/apigw';
import { testCatalog } from '../../fixtures/catalog';
import { kinesisEvent, kinesisRecord, seq } from '../../fixtures/kinesis';
import { type Emulators, emulatorClient, startEmulators } from '../helpers/emulators';
import { countedRecord, createRuntimeTables, dynamoStore, env, TABLES } from './harness';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Adds `by` to the counter and remembers every event id it applied, so a double application shows. */
const adding: EventHandler = async (event, ctx) => {
  const { counter, by } = event.data as { counter: string; by: number };
  const item = await ctx.get('totals', counter);
  ctx.put('totals', {
    pk: counter,
    total: Number(item?.total ?? 0) + by,
    seen: [...((item?.seen as string[] | undefined) ?? []), event.id],
  });
};

/** Invokes as the mapping does with MaximumRetryAttempts -1: the reported tail again, until none is left. */
const untilDone = async (
  invoke: KinesisHandler,
  records: readonly KinesisStreamRecord[],
  remainingMs = 60_000,
  limit = 60,
): Promise<boolean> => {
  let from = 0;
  for (let n = 0; n < limit && from < records.length; n++) {
    const failed = (await invoke(kinesisEvent([...records.slice(from)]), lambdaContext(remainingMs)))
      .batchItemFailures[0]?.itemIdentifier;
    from = failed ? records.findIndex((r) => r.kinesis.sequenceNumber === failed) : records.length;
  }
  return from >= records.length;
};

describe('consumer runtime on DynamoDB Local: the runtime owns every give-up', () => {
  let emulators: Emulators;
  const clients: DynamoDBClient[] = [];

  beforeAll(async () => {
    emulators = await startEmulators();
    await createRuntimeTables(emulators.dynamo);
  });

  afterAll(async () => {
    for (const c of clients) c.destroy();
    await emulators?.stop();
  });

  /** A fresh client, as a new Lambda container has. */
  const freshClient = (): DynamoDBClient => {
    const client = new DynamoDBClient(emulatorClient(emulators.dynamoEndpoint));
    clients.push(client);
    return client;
  };
  const consumerOn = (store: ConsumerStore, handler: EventHandler, catalog: Catalog = testCatalog) =>
    defineConsumer(
      { catalog, service: 'counter', handlers: { Counted: handler } },
      // Records made up here, in no Kinesis stream: nothing to read.
      { env, store, publisher: new MemoryPublisher(), logReaders: false },
    );
  const parkedOn = async (shardId: string) => {
    const out = await DynamoDBDocumentClient.from(emulators.dynamo).send(
      new QueryCommand({
        TableName: TABLES.parking,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'counter' },
        ConsistentRead: true,
      }),
    );
    return (out.Items ?? []).filter((i) => i.shardId === shardId);
  };
  const totalOf = async (key: string) => dynamoStore(emulators.dynamo).getItem('totals', key);

  it('handler timeouts and TransactionConflicts on a subscription with maxAttempts 3: the events are applied or parked', async () => {
    // Prepare: the first three transactions meet a conflict (the same commit three times: counted
    // as attempts, it would be parked at maxAttempts 3); event 5 always overruns its deadline, events 2
    // and 9 only on their first run.
    const shard = 'shardId-timeouts-0';
    const client = freshClient();
    let transactions = 0;
    let conflicts = 0;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'TransactWriteItemsCommand' && ++transactions <= 3) {
          conflicts += 1;
          throw new TransactionCanceledException({
            message: 'Transaction cancelled',
            $metadata: { httpStatusCode: 400 },
            CancellationReasons: [{ Code: 'None' }, { Code: 'TransactionConflict' }],
          });
        }
        return next(args);
      },
      { step: 'initialize', name: 'inject-conflicts' },
    );
    const slowOnce = new Set([2, 9]);
    // The slow runs never finish: they overrun whatever their budget turns out to be. A fixed 3 s sleep
    // against a 1.25 s budget also made the budget of the fast ones tight: their GetItem had to answer
    // within it, on a machine where one DynamoDB Local call can take seconds.
    const never = new Promise<never>(() => {});
    const handler: EventHandler = async (event, ctx) => {
      const n = Number(event.id.split('-e')[1]);
      if (n === 5 || slowOnce.delete(n)) await never;
      await adding(event, ctx);
    };
    const records = Array.from({ length: 12 }, (_, i) =>
      countedRecord(i + 1, `t-${i % 3}`, { by: 1 }, shard),
    );

    // Act: 8 s left, 2 s margin: a handler has 4-6 s, an invocation's set-up calls and a fast handler
    // many times what they need. Each overrun costs its budget, about 25 s for the five.
    const done = await untilDone(consumerOn(dynamoStore(client), handler), records, 8_000);

    // Assess
    expect(done).toBe(true);
    expect(conflicts).toBe(3);
    const parked = await parkedOn(shard);
    expect(parked.map((p) => [p.sequenceNumber, p.attempts])).toEqual([[seq(5), 3]]);
    expect(String(parked[0]?.error)).toContain('overran its deadline');
    for (let k = 0; k < 3; k++) {
      const item = await totalOf(`t-${k}`);
      const seen = item?.seen as string[];
      const expected = records.filter((r, i) => i !== 4 && r.kinesis.partitionKey === `t-${k}`).length;
      expect(item?.total).toBe(expected);
      expect(new Set(seen).size).toBe(seen.length);
    }
  });

  it('an over-large transaction: parked, not dropped (150 items, an item over 400 KB, a 1 MiB record)', async () => {
    // Prepare
    const shard = 'shardId-large-0';
    const handler: EventHandler = async (event, ctx) => {
      const { counter } = event.data as { counter: string };
      if (counter === 'wide') for (let i = 0; i < 150; i++) ctx.put('totals', { pk: `wide-${i}`, n: i });
      else if (counter === 'heavy') ctx.put('totals', { pk: 'heavy', blob: 'x'.repeat(420 * 1024) });
      else await adding(event, ctx);
    };
    const huge = kinesisRecord({
      stream: 'counts-stream',
      shardId: shard,
      sequenceNumber: seq(3),
      partitionKey: 'huge',
      data: randomBytes(1024 * 1024).toString('base64'),
    });
    // The fixture encodes string data as base64 of the string; keep the record's bytes as given.
    const hugeRecord = {
      ...huge,
      kinesis: { ...huge.kinesis, data: randomBytes(1024 * 1024).toString('base64') },
    };
    const records = [
      countedRecord(1, 'l-a', { by: 1 }, shard),
      countedRecord(2, 'wide', { by: 1 }, shard),
      hugeRecord,
      countedRecord(4, 'heavy', { by: 1 }, shard),
      countedRecord(5, 'l-a', { by: 1 }, shard),
    ];

    // Act
    const done = await untilDone(consumerOn(dynamoStore(freshClient()), handler), records);

    // Assess
    expect(done).toBe(true);
    const parked = await parkedOn(shard);
    expect(parked.map((p) => [p.sequenceNumber, p.attempts])).toEqual([
      [seq(2), 1],
      [seq(3), 1],
      [seq(4), 3],
    ]);
    expect(String(parked[0]?.error)).toContain('150 items');
    expect(parked[0]?.data).toBe(records[1]?.kinesis.data);
    expect(String(parked[2]?.error)).toMatch(/size/i);
    expect(parked[2]?.data).toBe(records[3]?.kinesis.data);
    // A Query page stops at 1 MB: read every page of chunks.
    const chunks: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await DynamoDBDocumentClient.from(emulators.dynamo).send(
        new QueryCommand({
          TableName: TABLES.parking,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
          ExpressionAttributeValues: { ':pk': parkedChunkPk('counter'), ':sk': `counts#${shard}#${seq(3)}#` },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      chunks.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    expect(parked[1]?.data).toBe('');
    expect(parked[1]?.dataChunks).toBe(chunks.length);
    expect(chunks.map((c) => c.data).join('')).toBe(hugeRecord.kinesis.data);
    // The operations path (`spine parked show`, redrive) reads it whole again; deleting it takes the chunks.
    const ops = dynamoOpsStore(DynamoDBDocumentClient.from(emulators.dynamo), {
      checkpoints: TABLES.checkpoints,
      parking: TABLES.parking,
    });
    const listed = (await ops.parked('counter', 'counts')).find((p) => p.sequenceNumber === seq(3));
    expect(listed?.data).toBe(hugeRecord.kinesis.data);
    const read = await ops.getParked('counter', `counts#${shard}#${seq(3)}`);
    expect(read?.data).toBe(hugeRecord.kinesis.data);
    if (read) await ops.deleteParked(read);
    const left = await DynamoDBDocumentClient.from(emulators.dynamo).send(
      new QueryCommand({
        TableName: TABLES.parking,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': parkedChunkPk('counter') },
        ConsistentRead: true,
      }),
    );
    expect(left.Items ?? []).toEqual([]);
    expect((await totalOf('l-a'))?.total).toBe(2);
    expect(await totalOf('wide-0')).toBeUndefined();
    expect(await totalOf('heavy')).toBeUndefined();
  });

  it('process death mid-invocation: after maxAttempts deaths on one event it is parked, the events before it applied once', async () => {
    // Prepare: a "container" whose store calls stop answering forever once its handler reaches the killer.
    const shard = 'shardId-death-0';
    /** A new container; `died` settles when it dies (from then on none of its calls ever answers). */
    const container = () => {
      const client = freshClient();
      let dead = false;
      let die: () => void = () => {};
      const died = new Promise<'died'>((resolve) => {
        die = () => resolve('died');
      });
      client.middlewareStack.add((next) => (args) => (dead ? new Promise(() => {}) : next(args)), {
        step: 'initialize',
        name: 'die',
      });
      const invoke = consumerOn(dynamoStore(client), async (event, ctx) => {
        if (event.key !== 'killer') return adding(event, ctx);
        dead = true;
        die();
        await new Promise(() => {});
      });
      return { invoke, died };
    };
    const records = [
      countedRecord(1, 'd-a', { by: 1 }, shard),
      countedRecord(2, 'd-b', { by: 1 }, shard),
      countedRecord(3, 'killer', { by: 1 }, shard),
      countedRecord(4, 'd-a', { by: 1 }, shard),
    ];

    // Act: a dead invocation never answers; the mapping times it out and retries on a new container.
    // Its mark reads as alive until its deadline (2.5 s + 2 s skew): the retries before that answer
    // busy (a batch item failure, not counted here), the first one after it is careful.
    let deaths = 0;
    let answered = false;
    // A death is seen when it happens, not guessed from a 3 s silence: under load a live invocation
    // (a busy answer, a careful commit) took long enough to be counted dead.
    while (!answered && deaths < 10) {
      const { invoke, died } = container();
      const outcome = await Promise.race([invoke(kinesisEvent(records), lambdaContext(2_500)), died]);
      if (outcome === 'died') deaths += 1;
      else answered = outcome.batchItemFailures.length === 0;
      // Paces the busy retries while a dead invocation's mark is alive (the mapping would back off too).
      if (!answered && outcome !== 'died') await sleep(100);
    }

    // Assess: one death in normal mode (not attributable), then three careful deaths on the killer.
    expect(answered).toBe(true);
    expect(deaths).toBe(4);
    const parked = await parkedOn(shard);
    expect(parked.map((p) => [p.sequenceNumber, p.attempts])).toEqual([[seq(3), 3]]);
    expect(String(parked[0]?.error)).toContain('died 3 time(s)');
    expect((await totalOf('d-a'))?.seen).toEqual([`${shard}-e1`, `${shard}-e4`]);
    expect((await totalOf('d-b'))?.seen).toEqual([`${shard}-e2`]);
  });

  it('keeps dedupe across parallelization changes (shard -> key -> shard): none applied twice, none skipped', async () => {
    // Prepare
    const shard = 'shardId-switch-0';
    const { __validated: _, ...spec } = testCatalog;
    const parallel = defineCatalog({
      ...spec,
      services: spec.services.map((s) => ({
        ...s,
        subscriptions: s.subscriptions.map((sub) => ({ ...sub, parallelizationFactor: 4 })),
      })),
    });
    const store = dynamoStore(emulators.dynamo);
    const shardMode = consumerOn(store, adding);
    const keyMode = consumerOn(store, adding, parallel);
    const records = Array.from({ length: 30 }, (_, i) =>
      countedRecord(i + 1, `s-${i % 3}`, { by: 1 }, shard),
    );

    // Act: each switch restarts delivery a little before where the other mode stopped.
    const first = await shardMode(kinesisEvent(records.slice(0, 10)));
    const second = await keyMode(kinesisEvent(records.slice(4, 20)));
    const keyRetry = await keyMode(kinesisEvent(records.slice(12, 20)));
    const third = await shardMode(kinesisEvent(records.slice(14, 30)));
    const fourth = await keyMode(kinesisEvent(records.slice(20, 30)));

    // Assess
    for (const response of [first, second, keyRetry, third, fourth])
      expect(response.batchItemFailures).toEqual([]);
    for (let k = 0; k < 3; k++) {
      const seen = (await totalOf(`s-${k}`))?.seen as string[];
      const expected = records
        .filter((r) => r.kinesis.partitionKey === `s-${k}`)
        .map((r) => `${shard}-e${Number(r.kinesis.sequenceNumber.slice(-6))}`);
      expect(seen).toEqual(expected);
    }
  });

  it('lost response on TransactWriteItems: the SDK retries with the same ClientRequestToken and the event applies once', async () => {
    // Prepare: the first commit reaches DynamoDB, then its response is lost (a timeout below the SDK's retry).
    const shard = 'shardId-lost-0';
    const client = freshClient();
    const tokens: string[] = [];
    const outcomes: string[] = [];
    const loseResponse: FinalizeRequestMiddleware<ServiceInputTypes, ServiceOutputTypes> =
      (next, context) => async (args) => {
        if (context.commandName !== 'TransactWriteItemsCommand') return next(args);
        const request: unknown = args.request;
        const body =
          typeof request === 'object' && request !== null && 'body' in request ? request.body : '{}';
        tokens.push(String(JSON.parse(String(body)).ClientRequestToken));
        try {
          const out = await next(args);
          outcomes.push('ok');
          if (tokens.length === 1)
            throw Object.assign(new Error('socket timed out'), { name: 'TimeoutError' });
          return out;
        } catch (error) {
          if (outcomes.length < tokens.length)
            outcomes.push(error instanceof Error ? error.name : String(error));
          throw error;
        }
      };
    client.middlewareStack.addRelativeTo(loseResponse, {
      relation: 'after',
      toMiddleware: 'retryMiddleware',
      name: 'lose-response',
    });
    const records = [countedRecord(1, 'lost', { by: 1 }, shard), countedRecord(2, 'lost', { by: 1 }, shard)];

    // Act
    const response = await consumerOn(dynamoStore(client), adding)(kinesisEvent(records));

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    // Found here: the SDK's retry resends the same request, so the same token (tries 1 and 2), and
    // DynamoDB Local honours it: the retry of the transaction that took effect succeeds. The second
    // event on the same item folds into that commit (coalescing), so there is no third try; before
    // coalescing it committed separately with a new token.
    expect(tokens).toHaveLength(2);
    expect(tokens[1]).toBe(tokens[0]);
    expect(outcomes).toEqual(['ok', 'ok']);
    expect((await totalOf('lost'))?.seen).toEqual([`${shard}-e1`, `${shard}-e2`]);
  });
});
