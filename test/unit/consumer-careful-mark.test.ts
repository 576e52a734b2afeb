import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineCatalog } from '../../shared/catalog';
import {
  type ConsumerStore,
  defineConsumer,
  type EventHandler,
  MemoryConsumerStore,
} from '../../shared/consumer';
import { encodeEnvelope, markResent } from '../../shared/envelope';
import { lambdaContext } from '../fixtures/apigw';
import { testCatalog, testStreamEnv } from '../fixtures/catalog';
import { envelopeOf, kinesisEvent, kinesisRecord, seq } from '../fixtures/kinesis';
import { counted } from '../fixtures/single-item';

/**
 * Careful mode (after a death) commits one event at a time, so that a death names its event: the
 * attempt mark always sits on the record being run. Review 19d found two kinds of records that only
 * joined the pending commit there, leaving the mark on them: records a read fence shows applied (written
 * alone by the invocation that died) and marked copies. Each later death was then counted on them, and
 * they were parked by deaths (flagged, though applied or skipped) before the record that crashes, which
 * took (k + 1) x maxAttempts deaths to reach: past the catalog's retention bound.
 */
const MAX_ATTEMPTS = 3;
const catalog = (() => {
  const { __validated: _, ...spec } = testCatalog;
  return defineCatalog({
    ...spec,
    services: spec.services.map((s) => ({
      ...s,
      subscriptions: s.subscriptions.map((sub) => ({
        ...sub,
        retry: { ...sub.retry, maxAttempts: MAX_ATTEMPTS },
      })),
    })),
  });
})();

const copyOf = (n: number, counter: string, id: string) =>
  kinesisRecord({
    stream: 'counts-stream',
    sequenceNumber: seq(n),
    partitionKey: counter,
    data: Buffer.from(
      markResent(encodeEnvelope(envelopeOf('Counted', { counter, by: 1 }, counter, id)), Date.now() - 1000),
    ).toString(),
    arrivedAtSeconds: (Date.now() - 1000) / 1000,
  });

/** Invocations on one shared store; each dies (its store calls hang) when the handler meets counter `a`. */
const crashLoop = (records: ReturnType<typeof counted>[]) => {
  const shared = new MemoryConsumerStore(['totals', 'limits']);
  const invoke = async () => {
    let dead = false;
    const store = new Proxy(shared, {
      get(target, prop) {
        const v = Reflect.get(target, prop, target);
        if (typeof v !== 'function') return v;
        return (...args: unknown[]) => (dead ? new Promise(() => undefined) : v.apply(target, args));
      },
    }) as ConsumerStore;
    let died: () => void = () => undefined;
    const death = new Promise<'died'>((r) => {
      died = () => r('died');
    });
    const handler: EventHandler = async (event, ctx) => {
      const { counter, by } = event.data as { counter: string; by: number };
      await ctx.get('totals', counter); // a read first: an applied record is found by its read fence
      if (counter === 'a') {
        dead = true; // the process dies here
        died();
        await new Promise(() => undefined);
      }
      ctx.update('totals', counter, { add: { total: by } });
    };
    const consumer = defineConsumer(
      { catalog, service: 'counter', handlers: { Counted: handler } },
      { env: testStreamEnv, store, logReaders: false, backoff: false },
    );
    return Promise.race([
      consumer(kinesisEvent(records), lambdaContext(3_000)).then(() => 'answered' as const),
      death,
    ]);
  };
  return { shared, invoke };
};

afterEach(() => vi.useRealTimers());

describe('careful mode keeps its mark on the record it runs', () => {
  it.each([
    ['records written alone before it', () => [counted(1, 'b'), counted(2, 'c'), counted(3, 'a')]],
    ['a marked copy before it', () => [counted(1, 'b'), copyOf(2, 'b', 'e1'), counted(3, 'a')]],
  ])('parks by deaths the record that crashes every run, and only it, with %s', async (_, build) => {
    // Prepare: the clock is faked, so a dead invocation's 3 s deadline + 2 s grace pass at once.
    vi.useFakeTimers({ toFake: ['Date'] });
    const { shared, invoke } = crashLoop(build());

    // Act: invocations 10 s apart until something is parked.
    for (let n = 0; n < 12 && shared.parked.length === 0; n++) {
      await invoke();
      vi.setSystemTime(Date.now() + 10_000);
    }

    // Assess
    expect(shared.parked.map((p) => p.sequenceNumber)).toEqual([seq(3)]);
    expect(await shared.getItem('totals', 'b')).toMatchObject({ total: 1 });
  });
});
