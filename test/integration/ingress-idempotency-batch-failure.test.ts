import type { DynamoDBClient, ServiceInputTypes, ServiceOutputTypes } from '@aws-sdk/client-dynamodb';
import type { InitializeMiddleware } from '@smithy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClaimRequest, createDynamoIdempotencyStore, type IdempotencyStore } from '../../shared/ingress';
import { loseResponses } from '../fixtures/lost-response';
import { type Emulators, startEmulators } from './helpers/emulators';

const TABLE = 'batch-failure-idempotency';
const LEASE_MS = 60_000;
const T0 = Date.parse('2030-01-01T00:00:00Z');

let emulators: Emulators | undefined;
let keys = 0;
const request = (): ClaimRequest => ({
  pk: `batch-failure#${++keys}#${Math.random()}`,
  display: `key ${keys}`,
  payloadHash: 'hash-a',
  windowHours: 1,
  logRetentionHours: 24,
});

beforeAll(async () => {
  emulators = await startEmulators();
  await emulators.createIdempotencyTable(TABLE);
}, 180_000);
afterAll(async () => {
  await emulators?.stop();
});

/** Makes every PutItem of `pk` fail before it is sent, as a throttled table would (the SDK's retries spent). */
const refusePutItemOf = (client: DynamoDBClient, pk: string) => {
  const name = `refusePut${Math.random().toString(36).slice(2)}`;
  const middleware: InitializeMiddleware<ServiceInputTypes, ServiceOutputTypes> =
    (next, context) => async (args) => {
      const input = args.input;
      const itemPk = 'Item' in input ? input.Item?.pk?.S : undefined;
      if (context.commandName === 'PutItemCommand' && itemPk === pk)
        throw Object.assign(new Error('throttled (test fault)'), {
          name: 'ProvisionedThroughputExceededException',
        });
      return next(args);
    };
  client.middlewareStack.add(middleware, { step: 'initialize', priority: 'high', name });
  return () => void client.middlewareStack.remove(name);
};

describe('DynamoDB IdempotencyStore.claimMany when the batch and a single claim fail', () => {
  it('keeps a taken-over uncertain claim uncertain, so the retry takes it over at once instead of waiting a lease', async () => {
    // Prepare: key A's first write went unanswered (its claim is kept uncertain); key B is new. The batch's
    // answer is lost, and B's single claim is refused: the call fails after A was taken over.
    if (!emulators) throw new Error('emulators not started');
    const store: IdempotencyStore = createDynamoIdempotencyStore(emulators.dynamo, TABLE, {
      leaseMs: LEASE_MS,
      now: () => T0,
    });
    if (!store.claimMany) throw new Error('the DynamoDB store claims in batches');
    const a = request();
    const b = request();
    const first = await store.claim(a);
    if (first.kind !== 'claimed') throw new Error('expected a fresh claim');
    await store.markUncertain(a.pk, first.token);
    const lost = loseResponses(emulators.dynamo, {
      commands: ['BatchExecuteStatementCommand'],
      times: Number.POSITIVE_INFINITY,
    });
    const restore = refusePutItemOf(emulators.dynamo, b.pk);
    // Act
    let failed: unknown;
    try {
      await store.claimMany([a, b]);
    } catch (error) {
      failed = error;
    } finally {
      lost.restore();
      restore();
    }
    const retry = await store.claim(a);
    // Assess: the request failed (429); A's event may still be in the log and nobody is writing it.
    expect(failed).toBeInstanceOf(Error);
    expect(retry).toMatchObject({ kind: 'claimed', takeover: { uncertain: true } });
  }, 60_000);
});
