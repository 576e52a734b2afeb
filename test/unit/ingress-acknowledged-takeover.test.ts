import { KinesisClient } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { createAcknowledgedKeys, createMemoryIdempotencyStore, publishEvents } from '../../shared/ingress';
import { HOUR, LEASE_MS, logKeyEvent } from './ingress-log-fixtures';
import { fakeLog, instance } from './ingress-review-fakes';

describe('createAcknowledgedKeys remembering a key its instance took over', () => {
  // acknowledged.ts: an entry "expires when its claim may expire ... so a key claimed afresh in a later
  // window is never answered with an older window's record". publish.ts counts the entry's life from
  // THIS request's claim, but a takeover keeps the key's first claim and its TTL: a key taken over 20 h
  // into its 24 h window is remembered 20 h past the claim's expiry, and a repeat of the key claimed
  // afresh in the next window is answered with the previous window's record while its claimant writes.
  it("never answers a key claimed afresh in a later window with an older window's record", async () => {
    // Prepare: a claimant died unseen at t0; 20 h later the warm instance takes the key over and writes.
    let at = Date.now() - 30 * HOUR;
    const clock = () => at;
    const kinesis = new KinesisClient({ region: 'us-east-1' });
    const records = fakeLog(mockClient(kinesis), clock, 10_000);
    const store = createMemoryIdempotencyStore({ leaseMs: LEASE_MS, now: clock });
    const warm = { ...instance(kinesis, store, clock), acknowledged: createAcknowledgedKeys() };
    const event = logKeyEvent(1, 24, 24);
    const key = event.idempotency;
    if (!key) throw new Error('the event has a key');
    await store.claim(key);
    at += 20 * HOUR;
    const takenOver = await publishEvents(warm, 'orders', [event]);
    // The window ends; in the next one another instance claims the key afresh and is still writing.
    at += 5 * HOUR;
    const fresh = await store.claim(key);
    // Act: the producer's repeat reaches the warm instance.
    const repeat = await publishEvents(warm, 'orders', [event]).catch((error: unknown) => error);
    // Assess: the fresh claimant has written nothing yet, so the key is in flight.
    expect(takenOver[0]?.duplicate).toBe(false);
    expect(fresh.kind).toBe('claimed');
    expect(records).toHaveLength(1);
    expect(repeat).toMatchObject({ code: 'IDEMPOTENCY_IN_FLIGHT' });
  });
});
