import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COUNTED_STATUSES, countKey } from '../../example/domain/analytics';
import { analytics } from '../../example/services/analytics';
import { orders } from '../../example/services/orders';
import { streamEnvVar } from '../../shared/config';
import { defineService, MemoryConsumerStore, MemoryPublisher } from '../../shared/consumer';
import { testService } from '../../shared/testing';
import { type GivenEvent, recordOf } from '../../shared/testing/records';

const items = [{ sku: 'tea', quantity: 1, unitPrice: 3 }];
const money = { amount: 3, currency: 'EUR' };
const validated = (orderId: string) =>
  ({ type: 'OrderValidated', data: { orderId, customerId: 'u-1', ...money } }) as const;
const confirmed = (orderId: string) =>
  ({
    type: 'OrderConfirmed',
    data: { orderId, customerId: 'u-1', ...money, homeAmount: 3, homeCurrency: 'EUR' },
  }) as const;
const processed = (orderId: string) =>
  ({
    type: 'PaymentProcessed',
    data: { orderId, chargeId: `c-${orderId}`, ...money, homeAmount: 3, homeCurrency: 'EUR', rate: 1 },
  }) as const;

type AnalyticsTest = ReturnType<typeof testService<typeof analytics.catalog, 'analytics'>>;
const counted = async (t: { item: AnalyticsTest['item'] }) =>
  Object.fromEntries(
    await Promise.all(
      COUNTED_STATUSES.map(
        async (s) => [s, Number((await t.item('counts', countKey(s)))?.count ?? 0)] as const,
      ),
    ),
  );
const zero = () => Object.fromEntries(COUNTED_STATUSES.map((s) => [s, 0]));

describe('analytics service', () => {
  it('when an order is validated, then counts one VALIDATED and writes nothing else', async () => {
    // Prepare
    const t = testService(analytics);

    // Act
    const out = await t.when(validated('o-1'));

    // Assess
    expect(out.emitted).toEqual([]);
    expect(await t.item('counts', 'reached#VALIDATED')).toMatchObject({ count: 1 });
    expect([...(t.store.tables.get('counts')?.keys() ?? [])]).toEqual(['reached#VALIDATED']);
  });

  it('given prior counts, when an order is confirmed, then adds one to CONFIRMED and leaves VALIDATED: it was validated', async () => {
    // Prepare
    const t = testService(analytics);
    t.state('counts', { pk: 'reached#VALIDATED', count: 4 })
      .state('counts', { pk: 'reached#CONFIRMED', count: 7 })
      .state('counts', { pk: 'CONFIRMED', count: 2 }); // the earlier design's counter: left alone

    // Act
    await t.when(confirmed('o-1'));

    // Assess
    expect(await counted(t)).toEqual({ ...zero(), VALIDATED: 4, CONFIRMED: 8 });
    expect(await t.item('counts', 'CONFIRMED')).toMatchObject({ count: 2 });
  });

  it('when a request arrives, then counts nothing: only the decision about it counts', async () => {
    // Prepare
    const t = testService(analytics);

    // Act
    const out = await t.when({ type: 'OrderRequested', data: { orderId: 'o-1', customerId: 'u-1', items } });

    // Assess
    expect(out.failed).toEqual([]);
    expect(t.store.tables.get('counts')?.size ?? 0).toBe(0);
  });

  it('when many decisions come in one batch, then each counter is written once with their sum', async () => {
    // Prepare: the service as its Lambda runs it, on the memory store, one Kinesis batch.
    const store = new MemoryConsumerStore(['counts']);
    const env = Object.fromEntries(analytics.catalog.topics.map((t) => [streamEnvVar(t.name), t.name]));
    const handler = defineService(analytics, {
      env,
      store,
      publisher: new MemoryPublisher(),
      backoff: false,
      logReaders: false,
    });
    const events: GivenEvent[] = [];
    for (let o = 0; o < 30; o++)
      events.push(validated(`o-${o}`), ...(o % 3 === 0 ? [confirmed(`o-${o}`)] : []));
    const commits: Parameters<typeof store.commit>[0][] = [];
    const commit = store.commit.bind(store);
    store.commit = (c) => {
      commits.push(c);
      return commit(c);
    };
    const singles: unknown[] = [];
    const writeFenced = store.writeFenced.bind(store);
    store.writeFenced = (position, write) => {
      singles.push(write);
      return writeFenced(position, write);
    };

    // Act
    const out = await handler({ Records: events.map((e, n) => recordOf(analytics.catalog, e, n + 1)) });

    // Assess
    expect(out.batchItemFailures).toEqual([]);
    expect(await counted({ item: (table, pk) => store.getItem(table, pk) })).toEqual({
      ...zero(),
      VALIDATED: 30,
      CONFIRMED: 10,
    });
    expect(commits.map((c) => c.writes.map((w) => (w.kind === 'put' ? w.item.pk : w.pk)).sort())).toEqual([
      ['reached#CONFIRMED', 'reached#VALIDATED'],
    ]);
    expect(singles).toEqual([]);
  });

  it('counts, for any flow the orders service decides, exactly how many orders reached each status (repeated requests, late payments, shipping and erased users included)', async () => {
    // Each step: a request (maybe a repeat, maybe one the orders service rejects), a payment outcome or
    // a shipping fact for some order (maybe one not awaiting it, or unknown), or a user's erasure.
    // Few order ids, so steps meet the same orders often; payments also for ids never requested.
    const order = fc.nat(3);
    const step = fc.oneof(
      {
        weight: 3,
        arbitrary: fc.record({
          kind: fc.constant('request' as const),
          order,
          user: fc.nat(1),
          bad: fc.boolean(),
        }),
      },
      {
        weight: 4,
        arbitrary: fc.record({ kind: fc.constant('payment' as const), order: fc.nat(4), ok: fc.boolean() }),
      },
      {
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant('shipping' as const), order, delivered: fc.boolean() }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('erase' as const), user: fc.nat(1) }) },
    );
    type StepValue =
      | { kind: 'request'; order: number; user: number; bad: boolean }
      | { kind: 'payment'; order: number; ok: boolean }
      | { kind: 'shipping'; order: number; delivered: boolean }
      | { kind: 'erase'; user: number };
    const eventOf = (s: StepValue): GivenEvent => {
      const orderId = 'order' in s ? `o-${s.order}` : '';
      switch (s.kind) {
        case 'request': {
          const line = { sku: s.bad ? 'discontinued-tea' : 'tea', quantity: 1, unitPrice: 3 };
          return { type: 'OrderRequested', data: { orderId, customerId: `u-${s.user}`, items: [line] } };
        }
        case 'payment':
          return s.ok ? processed(orderId) : { type: 'PaymentFailed', data: { orderId, reason: 'DECLINED' } };
        case 'shipping':
          return s.delivered
            ? {
                type: 'OrderDelivered',
                data: { orderId, customerId: 'u-0', homeAmount: 3, homeCurrency: 'EUR' },
              }
            : { type: 'OrderShipped', data: { orderId, customerId: 'u-0', carrier: 'x', trackingId: 't' } };
        case 'erase':
          return { type: 'UserDeleted', data: { userId: `u-${s.user}` } };
      }
    };

    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40, size: 'max' }), async (steps) => {
        // Prepare
        const o = testService(orders);
        const a = testService(analytics);
        const erased = new Set<string>();
        const reached = zero();
        // Each status an order's history went through counts once for it. A deleted order stays in
        // the memory store as a tombstone, without its history.
        const tally = (history: unknown) => {
          const statuses = new Set(
            Array.isArray(history) ? history.map((h: { status: string }) => h.status) : [],
          );
          for (const status of statuses) if (status in reached) reached[status] = (reached[status] ?? 0) + 1;
        };

        // Act: every event the orders service emits goes to analytics, in order. An erasure deletes
        // orders: what they had reached is tallied from the orders service's own history first.
        for (const s of steps) {
          if (s.kind === 'erase')
            for (const item of o.store.tables.get('orders')?.values() ?? [])
              if (item.customerId === `u-${s.user}`) {
                tally(item.history);
                erased.add(String(item.pk));
              }
          if (s.kind === 'payment') {
            const status = o.store.tables.get('orders')?.get(`o-${s.order}`)?.status;
            if (status === 'CONFIRMED' || status === 'CANCELLED')
              seen.add('payment outcome for a settled order');
          }
          const out = await o.when(eventOf(s) as Parameters<typeof o.when>[0]);
          expect(out.failed).toEqual([]);
          for (const e of out.emitted) {
            seen.add(e.type);
            if (e.type === 'OrderValidated' && erased.has(String(e.key)))
              seen.add('decided again after erasure');
            const applied = await a.when({ type: e.type, data: e.data } as Parameters<typeof a.when>[0]);
            expect(applied.failed).toEqual([]);
          }
        }

        // Assess: the counters equal the statuses the orders service's histories went through.
        for (const item of o.store.tables.get('orders')?.values() ?? []) tally(item.history);
        expect(await counted(a)).toEqual(reached);
      }),
      { numRuns: 80, seed: 20261128 },
    );
    // The runs met every decision, an erased order's id decided anew, and a payment for a settled order.
    expect([...seen].sort()).toEqual([
      'OrderCancelled',
      'OrderConfirmed',
      'OrderRejected',
      'OrderValidated',
      'decided again after erasure',
      'payment outcome for a settled order',
    ]);
  });
});
