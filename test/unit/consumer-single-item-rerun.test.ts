import { describe, expect, it } from 'vitest';
import type { EventHandler, SingleWrite } from '../../shared/consumer';
import { kinesisEvent, seq } from '../fixtures/kinesis';
import { adding, consumerOn, counted, countsWith, newStore, position } from '../fixtures/single-item';

/**
 * Review 2026-11-27 (EO1): a record an earlier invocation may have written alone (at or below the loaded
 * `fencedTo`) is re-run by transaction, never alone. Alone, its request could be in flight when its own
 * refused attempt let the checkpoint pass it; another unit could then prune the fence (settled, and set
 * a grace before) and the late attempt would apply a second time. A transaction is conditioned on the
 * checkpoint, so a late attempt of it is refused once the checkpoint moves.
 */
describe('a re-run of a record at or below fencedTo goes by transaction', () => {
  it('after a failed invocation whose mark was cleared, e1 (written alone) is not sent alone again', async () => {
    // Prepare: e1 goes alone; e2's read is throttled; the best-effort move of the checkpoint fails too
    const store = newStore();
    const reading: EventHandler = async (event, ctx) => {
      if (event.id === 'e2') await ctx.get('totals', 'b');
      adding(event, ctx);
    };
    store.failNextReads.push(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const alone: string[] = [];
    const write = store.writeFenced.bind(store);
    store.writeFenced = async (p, w) => {
      const result = await write(p, w);
      alone.push(`${w.fences?.[0]?.first}:${result}`);
      return result;
    };
    const batch = () => kinesisEvent([counted(1, 'a'), counted(2, 'b')]);
    await consumerOn(store, reading, countsWith({}), [1])(batch());
    const afterFirst = (await store.loadCheckpoint(position)).sequenceNumber;

    // Act: the mapping's retry (its mark was cleared, so not careful)
    await consumerOn(store, reading, countsWith({}))(batch());

    // Assert: e1 went alone once, in the first invocation; the retry's writes went by transaction (e1
    // found applied there, e2 behind it); each counted once
    expect(afterFirst).toBeUndefined();
    expect(alone).toEqual([`${seq(1)}:written`]);
    expect((await store.getItem('totals', 'a'))?.total).toBe(1);
    expect((await store.getItem('totals', 'b'))?.total).toBe(1);
    expect((await store.loadCheckpoint(position)).sequenceNumber).toBe(seq(2));
  });

  it('a write sent alone and refused keeps fencedTo over it: a stalled earlier try that lands later is not applied twice (review EO2)', async () => {
    // Prepare: e1's first try stalls (held back) and its retry is refused by a condition
    const store = newStore();
    const alone: string[] = [];
    const write = store.writeFenced.bind(store);
    let stalled: (() => Promise<unknown>) | undefined;
    store.writeFenced = async (p, w: SingleWrite) => {
      if (!stalled) {
        stalled = () => write(p, w);
        alone.push(`${w.fences?.[0]?.first}:refused`);
        throw Object.assign(new Error('The conditional request failed'), {
          name: 'ConditionalCheckFailedException',
        });
      }
      const result = await write(p, w);
      alone.push(`${w.fences?.[0]?.first}:${result}`);
      return result;
    };
    const batch = () => kinesisEvent([counted(1, 'a'), counted(2, 'b')]);
    await consumerOn(store, adding, countsWith({}))(batch());
    await stalled?.();
    const fencedTo = (await store.loadCheckpoint(position)).fencedTo;

    // Act: the mapping's retry
    await consumerOn(store, adding, countsWith({}))(batch());

    // Assert: fencedTo covers e1, so its re-run went by transaction (found applied), not alone
    expect(fencedTo).toBe(seq(1));
    expect(alone).toEqual([`${seq(1)}:refused`]);
    expect((await store.getItem('totals', 'a'))?.total).toBe(1);
    expect((await store.getItem('totals', 'b'))?.total).toBe(1);
    expect((await store.loadCheckpoint(position)).sequenceNumber).toBe(seq(2));
  });
});
