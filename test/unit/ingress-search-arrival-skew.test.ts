import { KinesisClient } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { createMemoryIdempotencyStore, publishEvents } from '../../shared/ingress';
import { LEASE_MS, logKeyEvent } from './ingress-log-fixtures';
import { fakeLog, instance } from './ingress-review-fakes';

describe('findEventsInLog with Kinesis arrival times ahead of the ingress clock', () => {
  // The search starts 30 s before the claim to cover skew between the ingress clock and Kinesis'
  // ApproximateArrivalTimestamp (whose accuracy AWS does not guarantee), but stops at the first page
  // holding a record stamped more than 2 s after the search began, taking it as proof that everything
  // before it was read. With Kinesis 5 s ahead (well inside the 30 s the start allows), a record written
  // just BEFORE the acknowledged one ends the search one page early.
  it('answers a repeat of an acknowledged key as the first time, 2 s after its 202', async () => {
    // Prepare: another producer's event lands just before ours; Kinesis stamps 5 s ahead; pages of 1.
    let at = Date.now();
    const clock = () => at;
    const kinesis = new KinesisClient({ region: 'us-east-1' });
    const records = fakeLog(mockClient(kinesis), () => at + 5_000, 1);
    const store = createMemoryIdempotencyStore({ leaseMs: LEASE_MS, now: clock });
    const deps = instance(kinesis, store, clock);
    await publishEvents(deps, 'orders', [logKeyEvent(7, 24, 24)]);
    at += 10;
    const event = logKeyEvent(8, 24, 24);
    const first = await publishEvents(deps, 'orders', [event]);
    at += 2_000;
    // Act: the repeat reaches another instance (no memory of the 202).
    const repeat = await publishEvents(deps, 'orders', [event]).catch((error: unknown) => error);
    // Assess
    expect(repeat).toEqual([{ ...first[0], duplicate: true }]);
    expect(records).toHaveLength(2);
  });
});
