import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { createDynamoIdempotencyStore, publishEvents } from '../../shared/ingress';
import { LEASE_MS, logKeyEvent } from './ingress-log-fixtures';
import { fakeLog, fakeTable, instance } from './ingress-review-fakes';

describe('createDynamoIdempotencyStore read by an instance deployed with another lease', () => {
  // The store derives the live holder's claim time as leaseUntil - ITS OWN leaseMs; its TSDoc says a
  // changed lease "is covered by the search's 30 s of skew". A deploy that shortens the lease by more
  // than 30 s (120 s -> 60 s here) makes the new instances search from (claim + 60 s) - 30 s, past the
  // record the old instance wrote and acknowledged right after its claim: 409 until the old lease ends.
  it('answers a repeat of a key acknowledged by an instance with a longer lease as the first time', async () => {
    // Prepare: one table, one shard; the old deployment's instance (lease 120 s) writes and answers 202.
    let at = Date.now();
    const clock = () => at;
    const kinesis = new KinesisClient({ region: 'us-east-1' });
    const records = fakeLog(mockClient(kinesis), clock, 10_000);
    const dynamo = new DynamoDBClient({ region: 'us-east-1' });
    fakeTable(mockClient(dynamo), clock);
    const before = createDynamoIdempotencyStore(dynamo, 'idem', { leaseMs: 120_000, now: clock });
    const after = createDynamoIdempotencyStore(dynamo, 'idem', { leaseMs: LEASE_MS, now: clock });
    const event = logKeyEvent(1, 24, 24);
    const first = await publishEvents(instance(kinesis, before, clock), 'orders', [event]);
    at += 2_000;
    // Act: the producer repeats it 2 s later; the new deployment's instance answers.
    const repeat = await publishEvents(instance(kinesis, after, clock), 'orders', [event]).catch(
      (error: unknown) => error,
    );
    // Assess
    expect(repeat).toEqual([{ ...first[0], duplicate: true }]);
    expect(records).toHaveLength(1);
  });
});
