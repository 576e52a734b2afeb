import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import {
  defineConsumer,
  type EventHandler,
  isAlreadyAppliedError,
  padSeq,
  type SingleWrite,
  type StateWrite,
  unitOf,
} from '../../shared/consumer';
import { fenceValue } from '../../shared/consumer/fence';
import { dynamoOpsStore, isOpsError, runRedrive } from '../../shared/ops';
import { testCatalog, testStreamEnv } from '../fixtures/catalog';
import { kinesisEvent, seq } from '../fixtures/kinesis';
import { mockedDynamoStore } from '../fixtures/mocked-dynamo-store';
import {
  adding,
  consumerOn,
  counted,
  countsWith,
  milestone,
  newStore,
  position,
  withMilestones,
} from '../fixtures/single-item';

/**
 * The review's findings (docs/review-single-item.md) that can apply an event twice, each as the
 * consumer run that showed it: an event whose effect is in the table is never parked (a redrive would
 * apply it again), nor applied again by another mode.
 */
const total = async (store: ReturnType<typeof newStore>, counter: string) =>
  (await store.getItem('totals', counter))?.total;

describe('F4: after a death-park, the invocation writes nothing alone that fencedTo does not cover', () => {
  it('an event written after the park is either applied once or parked unapplied, never both', async () => {
    // Prepare: e1 killed two careful invocations (maxAttempts 3) and its third careful mark is dead.
    const store = newStore();
    await store.recordFailure(position, position.shardId, undefined, {
      sequenceNumber: seq(1),
      attempts: 2,
      error: 'InvocationDiedError: the invocation died 2 time(s)',
    });
    await store.markStarted(
      position,
      position.shardId,
      { expected: undefined, previousToken: undefined },
      { seq: seq(1), token: 'dead', careful: true, at: Date.now() - 9_000, deadline: Date.now() - 5_000 },
    );
    const records = (age: number) => [counted(1, 'a', age), counted(2, 'b', age), counted(3, 'c', age)];
    // The park commit goes through; the next commit dies (e2, e3 may already be written alone).
    await consumerOn(
      store,
      adding,
      countsWith({ maxRecordAgeSeconds: 10_000 }),
      [2],
    )(kinesisEvent(records(700)));

    // Act: redelivered once all are past a 600 s age limit.
    await consumerOn(store, adding, countsWith({ maxRecordAgeSeconds: 600 }))(kinesisEvent(records(700)));

    // Assess: e1 parked by its deaths; e2 and e3 each applied once or parked unapplied.
    const parked = store.parked.map((p) => p.sequenceNumber);
    expect(parked[0]).toBe(seq(1));
    for (const [n, counter] of [
      [2, 'b'],
      [3, 'c'],
    ] as const) {
      const applied = await total(store, counter);
      expect({ n, parked: parked.includes(seq(n)), applied }).toEqual(
        parked.includes(seq(n)) ? { n, parked: true, applied: undefined } : { n, parked: false, applied: 1 },
      );
    }
    expect(await total(store, 'a')).toBeUndefined();
  });
});

describe('F3: an event applied alone is never parked as if it were not', () => {
  it('(b) an applied event whose re-runs fail before reading is parked flagged mayBeApplied', async () => {
    // Prepare: e1 written alone, then the final checkpoint commit times out (no death).
    const store = newStore();
    let runs = 0;
    const flaky: EventHandler = (event, ctx) => {
      runs += 1;
      if (runs > 1) throw new Error('payment provider timed out');
      adding(event, ctx);
    };
    const consumer = consumerOn(store, flaky, countsWith({}), [1]);
    await consumer(kinesisEvent([counted(1, 'a')]));

    // Act: the mapping redelivers; the handler fails on every re-run (maxAttempts 3).
    for (let i = 0; i < 3; i++) await consumer(kinesisEvent([counted(1, 'a')]));

    // Assess: parked after 3 failed re-runs, flagged: its effect is in the table.
    expect(await total(store, 'a')).toBe(1);
    expect(store.parked.map((p) => [p.sequenceNumber, p.mayBeApplied])).toEqual([[seq(1), true]]);
  });

  it('(b) an event written alone, then killing careful invocations, is death-parked flagged mayBeApplied', async () => {
    // Prepare: e1 written alone, then the final checkpoint commit times out: fencedTo covers e1.
    const store = newStore();
    await consumerOn(store, adding, countsWith({}), [1])(kinesisEvent([counted(1, 'a')]));
    const fencedTo = (await store.loadCheckpoint(position)).fencedTo;
    // Then two careful invocations died on e1, and a third one's mark has expired (maxAttempts 3).
    await store.recordFailure(position, position.shardId, undefined, {
      sequenceNumber: seq(1),
      attempts: 2,
      error: 'InvocationDiedError: the invocation died 2 time(s)',
    });
    const dead = {
      seq: seq(1),
      token: 'dead',
      careful: true,
      at: Date.now() - 1_000,
      deadline: Date.now() - 5_000,
    };
    await store.markStarted(
      position,
      position.shardId,
      { expected: undefined, previousToken: undefined },
      dead,
    );

    // Act: the mapping redelivers; this invocation counts the third death and parks e1.
    await consumerOn(store, adding, countsWith({}))(kinesisEvent([counted(1, 'a')]));

    // Assess: death-parked, flagged (its effect is in the table), and applied once.
    expect(fencedTo).toBe(seq(1));
    expect(store.parked.map((p) => [p.sequenceNumber, p.attempts, p.mayBeApplied])).toEqual([
      [seq(1), 3, true],
    ]);
    expect(await total(store, 'a')).toBe(1);
  });

  it('(a) an infrastructure failure after a single write still moves the checkpoint over it', async () => {
    // Prepare: e1 goes alone; e2's handler read is throttled (infrastructure: retry later).
    const store = newStore();
    const reading: EventHandler = async (event, ctx) => {
      if (event.id === 'e2') await ctx.get('totals', 'b');
      adding(event, ctx);
    };
    store.failNextReads.push(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    // Act
    const response = await consumerOn(
      store,
      reading,
      countsWith({}),
    )(kinesisEvent([counted(1, 'a'), counted(2, 'b')]));

    // Assess: retried from e2, with e1's move committed (its re-run would rest on its fence alone).
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: seq(2) }]);
    expect(store.singleWrites).toBe(1);
    expect((await store.loadCheckpoint(position)).sequenceNumber).toBe(seq(1));
  });

  it('spine redrive refuses an event parked mayBeApplied unless forced, and says what to do', async () => {
    const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
    const client = mockClient(doc);
    const item = (n: number, mayBeApplied: boolean) => ({
      pk: 'counter',
      sk: `counts#${position.shardId}#${seq(n)}`,
      topic: 'counts',
      shardId: position.shardId,
      sequenceNumber: seq(n),
      partitionKey: 'a',
      data: '',
      error: 'Error: payment provider timed out',
      attempts: 3,
      arrivedAt: 1,
      ...(mayBeApplied && { mayBeApplied }),
    });
    client.on(QueryCommand).resolves({ Items: [item(1, true), item(2, false)] });
    client.on(GetCommand).resolves({});
    const delivered: string[] = [];
    const deps = {
      catalog: testCatalog,
      store: dynamoOpsStore(doc, { checkpoints: 'checkpoints', parking: 'parking' }),
      delivery: {
        deliver: async (_s: string, _t: string, records: { kinesis: { sequenceNumber: string } }[]) => {
          delivered.push(...records.map((r) => r.kinesis.sequenceNumber));
          return { batchItemFailures: [] };
        },
      },
      reader: { streamArn: async () => 'arn:aws:kinesis:us-east-1:000000000000:stream/counts-stream' },
      region: 'us-east-1',
    };

    const refused = await runRedrive({ service: 'counter' }, deps).catch((e: unknown) => e);
    const dryRun = await runRedrive({ service: 'counter', dryRun: true }, deps);

    expect(isOpsError(refused) && refused.code).toBe('MAY_BE_APPLIED');
    expect(String(refused)).toContain(`counts/${position.shardId} seq ${seq(1)}`);
    expect(String(refused)).toContain('--force');
    expect(client.commandCalls(PutCommand)).toHaveLength(0);
    expect(delivered).toEqual([]);
    expect(dryRun.results.map((r) => r.outcome)).toEqual(['planned', 'planned']);
    client.restore();
  });
});

describe("F1: a key-mode put keeps a shard unit's unsettled fence", () => {
  it('a factor-1 event written alone, then a factor-4 read-modify-write put of its item, then its re-run: applied once', async () => {
    // Prepare: counts (factor 1) writes e1 alone on `x`, then dies before the checkpoint moves.
    const store = newStore();
    const catalog = withMilestones(countsWith({}), 4);
    await consumerOn(store, adding, catalog, [1])(kinesisEvent([counted(1, 'x')]));
    const keyed = defineConsumer(
      {
        catalog,
        service: 'counter',
        handlers: {
          Counted: adding,
          MilestoneReached: async (event, ctx) => {
            const { total } = event.data as { total: number };
            const current = await ctx.get('totals', 'x');
            ctx.put('totals', { ...current, pk: 'x', milestone: total });
          },
        },
      },
      { env: testStreamEnv, store, logReaders: false, backoff: false },
    );
    await keyed(kinesisEvent([milestone(1, 'x', 10)]));

    // Act: the mapping redelivers e1 to the factor-1 subscription.
    const response = await consumerOn(store, adding, catalog)(kinesisEvent([counted(1, 'x')]));

    // Assess: e1's effect once, the put's kept.
    expect(response.batchItemFailures).toEqual([]);
    expect(await store.getItem('totals', 'x')).toEqual({ pk: 'x', total: 1, milestone: 10 });
  });
});

describe('F2: raising the parallelization factor after a death inside fencedTo applies nothing twice', () => {
  const readThenAdd: EventHandler = async (event, ctx) => {
    const data = event.data as { counter: string };
    const current = await ctx.get('totals', data.counter);
    ctx.put('totals', { pk: data.counter, total: Number(current?.total ?? 0) + 1 });
  };

  it.each([
    ['a blind update (the write tests the shard fence)', adding],
    ['a read then put (the read sees the shard fence)', readThenAdd],
  ])(
    'factor 1 writes e1 alone and dies; e1 then delivered at factor 4 applies once: %s',
    async (_n, handler) => {
      // Prepare: e1 and e2 written alone at factor 1, then a death before the checkpoint moved.
      const store = newStore();
      await consumerOn(store, handler, countsWith({}), [1])(kinesisEvent([counted(1, 'a'), counted(2, 'b')]));

      // Act: the mapping now runs the shard at factor 4 (key markers) and redelivers, with e3.
      const keyed = consumerOn(store, handler, countsWith({ parallelizationFactor: 4 }));
      const response = await keyed(kinesisEvent([counted(1, 'a'), counted(2, 'b'), counted(3, 'a')]));

      // Assess: e1 and e2 once, e3 once on top.
      expect(response.batchItemFailures).toEqual([]);
      expect([await total(store, 'a'), await total(store, 'b')]).toEqual([2, 1]);
    },
  );
});

describe('F8: a failed condition is classified from the item DynamoDB returns, not a read', () => {
  const unit = unitOf('counts', position.shardId);
  const write: StateWrite = {
    kind: 'update',
    table: 'totals',
    pk: 'a',
    update: { add: { n: 1 } },
    fences: [{ unit, first: '5', last: '5' }],
  };
  const old = {
    pk: { S: 'a' },
    n: { N: '1' },
    [`spine:fence:${unit}`]: { S: padSeq('5') },
    'spine:units': { SS: [unit] },
  };
  const storeOn = () => mockedDynamoStore();

  it('a single write asks for ALL_OLD and reads nothing when the item comes back', async () => {
    const { client, store } = storeOn();
    client
      .on(UpdateCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'failed', $metadata: {}, Item: old }));

    const result = await store.writeFenced(position, write);

    expect(result).toBe('applied');
    expect(client.commandCalls(UpdateCommand)[0]?.args[0].input.ReturnValuesOnConditionCheckFailure).toBe(
      'ALL_OLD',
    );
    expect(client.commandCalls(GetCommand)).toHaveLength(0);
    client.restore();
  });

  it('reads the checkpoints of other units on the item in one BatchGet, not one GetItem each', async () => {
    const { client, store } = storeOn();
    const others = ['counts|shardId-000000000001', 'counts|shardId-000000000002'];
    const item = {
      pk: { S: 'a' },
      // Written long ago (epoch ms 1): past the grace, so their checkpoints decide (review F1).
      ...Object.fromEntries(others.map((u) => [`spine:fence:${u}`, { S: fenceValue('9', 1) }])),
      'spine:units': { SS: others },
    };
    client
      .on(PutCommand)
      .rejectsOnce(new ConditionalCheckFailedException({ message: 'failed', $metadata: {}, Item: item }))
      .resolves({});
    client.on(BatchGetCommand).resolves({ Responses: { cp: [] } });

    const result = await store.writeFenced(position, {
      kind: 'put',
      table: 'totals',
      item: { pk: 'a' },
      fences: write.fences,
    });

    expect(result).toBe('written');
    expect(client.commandCalls(BatchGetCommand)).toHaveLength(1);
    expect(client.commandCalls(GetCommand)).toHaveLength(0);
    client.restore();
  });

  it('a transaction item does the same from its cancellation reason', async () => {
    const { client, store } = storeOn();
    client.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'cancelled',
        $metadata: {},
        CancellationReasons: [{ Code: 'ConditionalCheckFailed', Item: old }],
      }),
    );

    const outcome = await store.commit({ position, moves: [], writes: [write] }).catch((e: unknown) => e);

    expect(isAlreadyAppliedError(outcome)).toBe(true);
    const sent = client.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems?.[0];
    expect(sent?.Update?.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
    expect(client.commandCalls(GetCommand)).toHaveLength(0);
    client.restore();
  });
});

describe('F7c: the memory store checks the stored form, fences included, against 400 KB', () => {
  it('refuses a put whose user bytes fit but whose fences push it over, alone and in a transaction', async () => {
    const store = newStore();
    const pk = 'big';
    const overhead = Buffer.byteLength(JSON.stringify({ pk, blob: '' }));
    const item = { pk, blob: 'x'.repeat(400 * 1024 - overhead) };
    const unit = unitOf('counts', position.shardId);
    const put = (s: string): SingleWrite => ({
      kind: 'put',
      table: 'totals',
      item,
      fences: [{ unit, first: s, last: s }],
    });

    const alone = await store.writeFenced(position, put('5')).catch((e: unknown) => e);
    const inCommit = await store.commit({ position, moves: [], writes: [put('6')] }).catch((e: unknown) => e);
    const plain = await store.commit({
      position,
      moves: [],
      writes: [{ kind: 'put', table: 'totals', item }],
    });

    expect(alone).toMatchObject({ name: 'ValidationException' });
    expect(inCommit).toMatchObject({ name: 'TransactionCanceledException' });
    expect(plain).toBeUndefined();
    expect((await store.getItem('totals', pk))?.blob).toBe(item.blob);
  });
});

describe('F3: a park is flagged mayBeApplied only when an earlier invocation may have written it alone', () => {
  it('an event whose handler fails on every run is parked unflagged (its failed attempts wrote nothing alone)', async () => {
    const store = newStore();
    const failing: EventHandler = (event, ctx) => {
      if (event.id === 'e2') throw new Error('downstream is broken');
      adding(event, ctx);
    };
    const consumer = consumerOn(store, failing, countsWith({}));

    for (let i = 0; i < 3; i++)
      await consumer(kinesisEvent([counted(1, 'a'), counted(2, 'b'), counted(3, 'c')]));

    expect(store.parked.map((p) => [p.sequenceNumber, p.mayBeApplied])).toEqual([[seq(2), undefined]]);
    expect([await total(store, 'a'), await total(store, 'b'), await total(store, 'c')]).toEqual([
      1,
      undefined,
      1,
    ]);
  });
});
