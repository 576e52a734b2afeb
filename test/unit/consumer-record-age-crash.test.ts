import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineCatalog } from '../../shared/catalog';
import {
  type ConsumerStore,
  defineConsumer,
  type EventHandler,
  MemoryConsumerStore,
} from '../../shared/consumer';
import { lambdaContext } from '../fixtures/apigw';
import { testCatalog, testStreamEnv } from '../fixtures/catalog';
import { kinesisEvent, seq } from '../fixtures/kinesis';
import { counted, position } from '../fixtures/single-item';

const MAX_AGE_SECONDS = 600;

const catalogWith = (maxRecordAgeSeconds: number) => {
  const { __validated: _, ...spec } = testCatalog;
  return defineCatalog({
    ...spec,
    services: spec.services.map((s) => ({
      ...s,
      subscriptions: s.subscriptions.map((sub) => ({
        ...sub,
        retry: { ...sub.retry, maxAttempts: 100, maxRecordAgeSeconds },
      })),
    })),
  });
};

/** A store whose every call hangs once `kill` is called: the process of that invocation is gone. */
const killable = (shared: MemoryConsumerStore) => {
  let dead = false;
  const store = new Proxy(shared, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => (dead ? new Promise(() => undefined) : v.apply(target, args));
    },
  }) as ConsumerStore;
  return { store, kill: () => (dead = true) };
};

afterEach(() => vi.useRealTimers());

/** Date faked from now on; two records that arrived 1 s before, built once (their age grows with the clock). */
const setup = () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  const records = [counted(1, 'a'), counted(2, 'b')];
  return {
    t0: Date.now(),
    shared: new MemoryConsumerStore(['totals', 'limits']),
    catalog: catalogWith(MAX_AGE_SECONDS),
    batch: () => kinesisEvent(records),
  };
};

/**
 * Review 19c: `retry.maxRecordAgeSeconds` must park an event that kills every invocation. Each dead
 * invocation leaves the shard's `fencedTo` raised (only a handler error restores it), so its records
 * look possibly written alone, and those are run, never parked unrun, except the one a death named.
 */
describe('record age under a crash loop', () => {
  it('parks a record that kills every run by age, once older than maxRecordAgeSeconds, flagged mayBeApplied', async () => {
    const { t0, shared, catalog, batch } = setup();
    let runs = 0;
    const fencedSeen: (string | undefined)[] = [];

    /** One container: runs the batch until the poison handler is reached, then dies there. */
    const invocationThatDies = async () => {
      const { store, kill } = killable(shared);
      let reached: () => void = () => undefined;
      const died = new Promise<void>((r) => {
        reached = r;
      });
      const crashing: EventHandler = async (event, ctx) => {
        const data = event.data as { counter: string; by: number };
        if (data.counter === 'a') {
          runs += 1;
          fencedSeen.push((await shared.loadCheckpoint(position)).fencedTo);
          kill(); // the process dies here (out of memory, a native crash)
          reached();
          await new Promise(() => undefined);
        }
        ctx.update('totals', data.counter, { add: { total: data.by } });
      };
      const consumer = defineConsumer(
        { catalog, service: 'counter', handlers: { Counted: crashing } },
        { env: testStreamEnv, store, logReaders: false, backoff: false },
      );
      const answered = consumer(batch(), lambdaContext(3_000)).then(() => 'answered' as const);
      return Promise.race([answered, died.then(() => 'died' as const)]);
    };

    // Invocation 1: the record is 1 s old; it dies on it.
    expect(await invocationThatDies()).toBe('died');
    // 700 s later (past its 3 s deadline + 2 s, and past the 600 s age limit), the next invocations.
    vi.setSystemTime(t0 + 700_000);
    const second = await invocationThatDies();
    vi.setSystemTime(t0 + 1_400_000);
    const third = await invocationThatDies();

    // Assess: the second invocation parks the crashing record by age, unrun and flagged, then runs the
    // next one (possibly written alone: its fence decides), which applies; the third finds nothing to do.
    expect([second, third]).toEqual(['answered', 'answered']);
    expect(shared.parked.map((p) => [p.sequenceNumber, p.attempts, p.mayBeApplied])).toEqual([
      [seq(1), 0, true],
    ]);
    expect(await shared.getItem('totals', 'b')).toMatchObject({ total: 1 });
    expect(runs).toBe(1);
    expect(fencedSeen).toEqual([seq(2)]); // the dying invocation's own mark raised it over its batch
  });

  it('parks a record whose handler throws every run by age (the same limit, without deaths)', async () => {
    const { t0, shared, catalog, batch } = setup();
    let runs = 0;
    const throwing: EventHandler = (event, ctx) => {
      const data = event.data as { counter: string; by: number };
      if (data.counter === 'a') {
        runs += 1;
        throw new Error('handler bug');
      }
      ctx.update('totals', data.counter, { add: { total: data.by } });
    };
    const consumer = defineConsumer(
      { catalog, service: 'counter', handlers: { Counted: throwing } },
      { env: testStreamEnv, store: shared, logReaders: false, backoff: false },
    );
    await consumer(batch(), lambdaContext(3_000));
    vi.setSystemTime(t0 + 700_000);
    await consumer(batch(), lambdaContext(3_000));
    expect(runs).toBe(1);
    expect(shared.parked.map((p) => [p.sequenceNumber, p.attempts])).toEqual([
      [seq(1), 0],
      [seq(2), 0],
    ]);
  });
});
