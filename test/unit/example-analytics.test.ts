import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COUNTED_STATUSES } from '../../example/domain/analytics';
import { analytics } from '../../example/services/analytics';
import { orders } from '../../example/services/orders';
import { testService } from '../../shared/testing';

const items = [{ sku: 'tea', quantity: 1, unitPrice: 3 }];
const validated = {
  type: 'OrderValidated',
  data: { orderId: 'o-1', customerId: 'u-1', amount: 3, currency: 'EUR' },
} as const;
const confirmed = {
  type: 'OrderConfirmed',
  data: { orderId: 'o-1', customerId: 'u-1', amount: 3, currency: 'EUR', homeAmount: 3, homeCurrency: 'EUR' },
} as const;

const countOf = async (t: ReturnType<typeof testService<typeof analytics.catalog, 'analytics'>>, s: string) =>
  Number((await t.item('counts', s))?.count ?? 0);

describe('analytics service', () => {
  it('when an order is validated, then counts one VALIDATED and writes nothing else', async () => {
    // Prepare
    const t = testService(analytics);

    // Act
    const out = await t.when(validated);

    // Assess
    expect(out.emitted).toEqual([]);
    expect(await t.item('counts', 'VALIDATED')).toMatchObject({ count: 1 });
    expect([...(t.store.tables.get('counts')?.keys() ?? [])]).toEqual(['VALIDATED']);
  });

  it('given prior counts, when an order is confirmed, then moves one count from VALIDATED to CONFIRMED', async () => {
    // Prepare
    const t = testService(analytics);
    t.state('counts', { pk: 'VALIDATED', count: 4 }).state('counts', { pk: 'CONFIRMED', count: 7 });

    // Act
    await t.when(confirmed);

    // Assess
    expect(await countOf(t, 'VALIDATED')).toBe(3);
    expect(await countOf(t, 'CONFIRMED')).toBe(8);
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

  it('counts, for any flow the orders service decides, exactly its orders per status (duplicate requests and late payments included)', async () => {
    // Each step: a request (maybe a repeat of an order already requested, maybe one the orders service
    // rejects), or a payment outcome for some order (maybe one not validated, decided or unknown).
    const step = fc.oneof(
      fc.record({ kind: fc.constant('request' as const), order: fc.nat(7), bad: fc.boolean() }),
      fc.record({ kind: fc.constant('payment' as const), order: fc.nat(9), ok: fc.boolean() }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), async (steps) => {
        // Prepare
        const o = testService(orders);
        const a = testService(analytics);

        // Act: every event the orders service emits goes to analytics, in order.
        for (const s of steps) {
          const orderId = `o-${s.order}`;
          const out =
            s.kind === 'request'
              ? await o.when({
                  type: 'OrderRequested',
                  data: {
                    orderId,
                    customerId: 'u-1',
                    items: [{ sku: s.bad ? 'discontinued-tea' : 'tea', quantity: 1, unitPrice: 3 }],
                  },
                })
              : await o.when(
                  s.ok
                    ? {
                        type: 'PaymentProcessed',
                        data: {
                          orderId,
                          chargeId: `c-${orderId}`,
                          amount: 3,
                          currency: 'EUR',
                          homeAmount: 3,
                          homeCurrency: 'EUR',
                          rate: 1,
                        },
                      }
                    : { type: 'PaymentFailed', data: { orderId, reason: 'DECLINED' } },
                );
          expect(out.failed).toEqual([]);
          for (const e of out.emitted) {
            const given = await a.when({ type: e.type, data: e.data } as Parameters<typeof a.when>[0]);
            expect(given.failed).toEqual([]);
          }
        }

        // Assess: the counters equal the orders service's own statuses.
        const expected = Object.fromEntries(COUNTED_STATUSES.map((s) => [s, 0]));
        for (const item of o.store.tables.get('orders')?.values() ?? []) {
          const status = String(item.status);
          expect(COUNTED_STATUSES).toContain(status);
          expected[status] = (expected[status] ?? 0) + 1;
        }
        const counted = Object.fromEntries(
          await Promise.all(COUNTED_STATUSES.map(async (s) => [s, await countOf(a, s)] as const)),
        );
        expect(counted).toEqual(expected);
      }),
      { numRuns: 60, seed: 20261128 },
    );
  });
});
