import { KinesisClient } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope } from '../../shared/envelope';
import { createMemoryIdempotencyStore, type PreparedEvent, publishEvents } from '../../shared/ingress';
import { envelopeOf } from '../fixtures/kinesis';
import { LEASE_MS } from './ingress-log-fixtures';
import { fakeLog, instance } from './ingress-review-fakes';

/** An event of `source` with the producer's own id `id`, on partition key o-1, under its own key. */
const eventOf = (index: number, source: string, id: string): PreparedEvent => {
  const envelope = { ...envelopeOf('OrderRequested', { orderId: 'o-1' }, 'o-1', id), source };
  return {
    index,
    envelope,
    bytes: encodeEnvelope(envelope),
    idempotency: {
      pk: `ingress#orders#${source}#${id}`,
      display: `(source "${source}", id "${id}")`,
      payloadHash: `h-${source}`,
      windowHours: 24,
      logRetentionHours: 24,
    },
  };
};

describe('publishEvents deciding a pending key from the log', () => {
  // CloudEvents ids are unique per source only, and the ingress keys events by (producer, topic, source,
  // id); the log search matches a record by partition key and id alone. A repeat of a pending key whose
  // event is NOT in the log finds another source's event with the same id and key, answers it as that
  // record, and `recordFound` completes the key with it: once the claimant's write is refused, every
  // retry is answered "duplicate" and the event is never written.
  it("never answers a key with another source's record of the same id", async () => {
    // Prepare: source "billing" wrote id 42 for order o-1; "storefront"'s id 42 is claimed, mid-write.
    let at = Date.now();
    const clock = () => at;
    const kinesis = new KinesisClient({ region: 'us-east-1' });
    const records = fakeLog(mockClient(kinesis), clock, 10_000);
    const store = createMemoryIdempotencyStore({ leaseMs: LEASE_MS, now: clock });
    await publishEvents(instance(kinesis, store, clock), 'orders', [eventOf(0, 'billing', '42')]);
    const event = eventOf(0, 'storefront', '42');
    const key = event.idempotency;
    if (!key) throw new Error('the event has a key');
    const held = await store.claim(key);
    at += 2_000;
    // Act: the producer's repeat reaches another instance; then the claimant's write is refused.
    const repeat = await publishEvents(instance(kinesis, store, clock), 'orders', [event]).catch(
      (error: unknown) => error,
    );
    if (held.kind === 'claimed') await store.release(key.pk, held.token);
    const retry = await publishEvents(instance(kinesis, store, clock), 'orders', [event]).catch(
      (error: unknown) => error,
    );
    // Assess: the retry wrote storefront's event, the log holds both sources' events.
    const sources = records.map((r) => (r.Data ? decodeEnvelope(r.Data).source : undefined));
    expect(held.kind).toBe('claimed');
    expect(repeat).toMatchObject({ code: 'IDEMPOTENCY_IN_FLIGHT' });
    expect(retry).toMatchObject([{ id: '42', duplicate: false }]);
    expect(sources).toEqual(['billing', 'storefront']);
  });
});
