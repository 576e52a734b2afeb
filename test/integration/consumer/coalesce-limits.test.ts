import { describe, expect, it } from 'vitest';
import {
  type ConsumerStore,
  defineConsumer,
  type EventHandler,
  type HandlerContext,
} from '../../../shared/consumer';
import { testCatalogCoalescing } from '../../fixtures/catalog';
import { countedRecord, env, useDynamoStores } from './harness';

/**
 * Cases from the coalescing review, on DynamoDB Local: a fold must neither hide a write DynamoDB
 * refuses nor build one it refuses (expression limits), so coalescing on ends as off and costs no
 * more transactions.
 */

const newStore = useDynamoStores();

/** One handler step per event, each writing item `pk`. */
type Step = (ctx: HandlerContext, pk: string) => void;

let runs = 0;
/** Runs one batch of `steps.length` events; returns the batch answer, commit outcomes and the item. */
const play = async (steps: readonly Step[], coalesce: boolean) => {
  const store = newStore();
  runs += 1;
  const tag = `lim${runs}${coalesce ? 'on' : 'off'}`;
  const commits: boolean[] = [];
  const counted: ConsumerStore = {
    loadCheckpoints: (p, s) => store.loadCheckpoints(p, s),
    getItem: (t, k) => store.getItem(t, k),
    readItem: (t, k) => store.readItem(t, k),
    writeFenced: async (p, w) => {
      try {
        const result = await store.writeFenced(p, w);
        commits.push(true);
        return result;
      } catch (error) {
        commits.push(false);
        throw error;
      }
    },
    commit: async (c) => {
      try {
        await store.commit(c);
        commits.push(true);
      } catch (error) {
        commits.push(false);
        throw error;
      }
    },
    recordFailure: (a, b, c, d, e) => store.recordFailure(a, b, c, d, e),
    markStarted: (a, b, c, d, e) => store.markStarted(a, b, c, d, e),
    clearStarted: (a, b, c) => store.clearStarted(a, b, c),
    loadOutbox: (a) => store.loadOutbox(a),
    deleteOutbox: (a, b) => store.deleteOutbox(a, b),
    claimOutbox: (a, b, c, d) => store.claimOutbox(a, b, c, d),
    sweepTombstones: (a) => store.sweepTombstones(a),
  };
  const handler: EventHandler = async (event, ctx) => {
    const { by } = event.data as { by: number };
    steps[by]?.(ctx, `${tag}-x`);
  };
  const consumer = defineConsumer(
    { catalog: testCatalogCoalescing(coalesce), service: 'counter', handlers: { Counted: handler } },
    { env, store: counted, logReaders: false },
  );
  const Records = steps.map((_, n) => countedRecord(n + 1, 'c0', { by: n }, `shardId-${tag}`));
  const response = await consumer({ Records });
  const item = await store.getItem('totals', `${tag}-x`);
  const { pk: _, ...rest } = item ?? { pk: '' };
  return { response, commits, item: item && rest };
};

describe('coalescing within DynamoDB limits (DynamoDB Local)', () => {
  it('a later setIfAbsent of a value DynamoDB refuses fails as without coalescing', async () => {
    const steps: Step[] = [
      (ctx, pk) => ctx.update('totals', pk, { set: { first: 'a' } }),
      (ctx, pk) => ctx.update('totals', pk, { setIfAbsent: { first: new Set<string>() } }),
    ];

    const on = await play(steps, true);
    const off = await play(steps, false);

    expect(off.response.batchItemFailures).toHaveLength(1);
    expect(on.response).toEqual(off.response);
    expect(on.item).toEqual(off.item);
  }, 120_000);

  it('updates of many attributes fold no further than one UpdateExpression may hold', async () => {
    const attrs = (e: number) =>
      Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`attribute_${e}_${i}`, [e]]));
    const steps: Step[] = [0, 1, 2].map((e) => (ctx, pk) => ctx.update('totals', pk, { append: attrs(e) }));

    const on = await play(steps, true);
    const off = await play(steps, false);

    expect(on.commits.every((ok) => ok)).toBe(true);
    expect(on.commits.length).toBeLessThanOrEqual(off.commits.length);
    expect(on.response).toEqual(off.response);
    expect(on.item).toEqual(off.item);
  }, 120_000);
});
