import { describe, expect, it } from 'vitest';
import { kinesisEvent, seq } from '../fixtures/kinesis';
import { adding, consumerOn, counted, countsWith, newStore, position } from '../fixtures/single-item';

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
    await consumerOn(store, adding, countsWith({ maxRecordAgeSeconds: 10_000 }), [2])(
      kinesisEvent(records(700)),
    );

    // Act: redelivered once all are past a 600 s age limit.
    await consumerOn(store, adding, countsWith({ maxRecordAgeSeconds: 600 }))(kinesisEvent(records(700)));

    // Assess: e1 parked by its deaths; e2 and e3 each applied once or parked unapplied.
    const parked = store.parked.map((p) => p.sequenceNumber);
    expect(parked[0]).toBe(seq(1));
    for (const [n, counter] of [[2, 'b'], [3, 'c']] as const) {
      const applied = await total(store, counter);
      expect({ n, parked: parked.includes(seq(n)), applied }).toEqual(
        parked.includes(seq(n)) ? { n, parked: true, applied: undefined } : { n, parked: false, applied: 1 },
      );
    }
    expect(await total(store, 'a')).toBeUndefined();
  });
});
