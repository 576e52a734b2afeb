import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { encodeEnvelope } from '../../shared/envelope';
import {
  createMemoryIdempotencyStore,
  type IdempotencyStore,
  type PreparedEvent,
  publishEvents,
} from '../../shared/ingress';
import { envelopeOf } from '../fixtures/kinesis';
import { refusal } from './ingress-support';

const keyed = (index: number): PreparedEvent & { idempotency: NonNullable<PreparedEvent['idempotency']> } => {
  const envelope = envelopeOf('OrderRequested', { orderId: `o-${index}` }, `o-${index}`, `evt-${index}`);
  return {
    index,
    envelope,
    bytes: encodeEnvelope(envelope),
    idempotency: { pk: `ingress#orders#${index}`, display: `key ${index}`, payloadHash: 'h', windowHours: 1 },
  };
};

const throttled = async (): Promise<never> => {
  throw Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
};

const setup = (store: IdempotencyStore = createMemoryIdempotencyStore()) => {
  const kinesis = new KinesisClient({ region: 'us-east-1' });
  const mock = mockClient(kinesis);
  const warnings: string[] = [];
  const deps = {
    kinesis,
    store,
    writer: { retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 } },
    warn: (message: string) => warnings.push(message),
  };
  return { mock, deps, warnings };
};

describe('publishEvents claims', () => {
  it('releases the claims it took when another key of the request is in flight, so they are free at once', async () => {
    // Prepare: another request holds key 2.
    const store = createMemoryIdempotencyStore();
    const { deps, warnings } = setup(store);
    await store.claim(keyed(2).idempotency);
    // Act
    const error = await refusal(publishEvents(deps, 'orders', [keyed(1), keyed(2)]));
    const next = await store.claim(keyed(1).idempotency);
    // Assess
    expect(error.code).toBe('IDEMPOTENCY_IN_FLIGHT');
    expect(next).toMatchObject({ kind: 'claimed' });
    expect(next).not.toHaveProperty('takeover');
    expect(warnings).toEqual([]);
  });

  it('answers the in-flight key, not a failed release, and warns that the released key stays blocked', async () => {
    // Prepare: another request holds key 2; releases fail.
    const memory = createMemoryIdempotencyStore();
    const store: IdempotencyStore = {
      ...memory,
      release: throttled,
    };
    const { deps, warnings } = setup(store);
    await memory.claim(keyed(2).idempotency);
    // Act
    const error = await refusal(publishEvents(deps, 'orders', [keyed(1), keyed(2)]));
    const next = await memory.claim(keyed(1).idempotency);
    // Assess
    expect(error.code).toBe('IDEMPOTENCY_IN_FLIGHT');
    expect(next).toMatchObject({ kind: 'in-flight' });
    expect(warnings).toEqual([
      'idempotency claim release failed; the key stays blocked until its lease ends',
    ]);
  });

  it('keeps the claim pending and warns when an uncertain write cannot be marked uncertain', async () => {
    // Prepare: PutRecords goes unanswered; marking uncertain fails.
    const memory = createMemoryIdempotencyStore();
    const store: IdempotencyStore = {
      ...memory,
      markUncertain: throttled,
    };
    const { mock, deps, warnings } = setup(store);
    mock.on(PutRecordsCommand).rejects(Object.assign(new Error('socket timeout'), { name: 'TimeoutError' }));
    // Act
    const error = await refusal(publishEvents(deps, 'orders', [keyed(3)]));
    const next = await memory.claim(keyed(3).idempotency);
    // Assess
    expect(error.status).toBe(503);
    expect(next).toMatchObject({ kind: 'in-flight' });
    expect(warnings).toContain(
      'idempotency claim not marked uncertain; the key stays blocked until its lease ends',
    );
  });
});
