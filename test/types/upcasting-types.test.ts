import { describe, expect, expectTypeOf, it } from 'vitest';
import { declareService, MemoryConsumerStore, type ServiceEventOf } from '../../shared/consumer';
import { defineUpcasters } from '../../shared/evolution';
import { ledger, orderPlaced } from './upcast-catalog';

/**
 * Compile-time tests of `defineUpcasters` and `declareService`: `npm run typecheck` fails when a
 * `@ts-expect-error` line stops erroring or an `expectTypeOf` stops matching. Runtime behaviour:
 * test/unit/consumer-upcasting.test.ts.
 */
type Ledger = typeof ledger;
const versions = orderPlaced;
type V3 = { orderId: string; total: { cents: number; currency: string } };

describe('defineUpcasters types', () => {
  it('types each step by its version schemas', () => {
    defineUpcasters(versions, {
      1: (data) => {
        expectTypeOf(data).toEqualTypeOf<{ orderId: string; amount: number }>();
        return { orderId: data.orderId, amountCents: 1, currency: 'EUR' };
      },
      2: (data) => {
        expectTypeOf(data).toEqualTypeOf<{ orderId: string; amountCents: number; currency: string }>();
        return { orderId: data.orderId, total: { cents: data.amountCents, currency: data.currency } };
      },
    });
    expect(true).toBe(true);
  });

  it('refuses a step whose output is not the next version, and a step from the latest', () => {
    defineUpcasters(versions, {
      // @ts-expect-error v2 needs amountCents and currency, not amount
      1: (data) => ({ orderId: data.orderId, amount: data.amount }),
      2: (data) => ({ orderId: data.orderId, total: { cents: data.amountCents, currency: data.currency } }),
    });
    defineUpcasters(versions, {
      1: (data) => ({ orderId: data.orderId, amountCents: 1, currency: 'EUR' }),
      2: (data) => ({ orderId: data.orderId, total: { cents: data.amountCents, currency: data.currency } }),
      // @ts-expect-error v3 is the latest: there is no v4 to convert to
      3: (data: unknown) => data,
    });
    // @ts-expect-error a step must be declared for every version below the latest (v2 missing)
    defineUpcasters(versions, {
      1: (data) => ({ orderId: data.orderId, amountCents: 1, currency: 'EUR' }),
    });
    expect(true).toBe(true);
  });
});

describe('declareService types with upcasters', () => {
  it('gives the handler of a type with upcasters only its latest version', () => {
    expectTypeOf<
      Extract<ServiceEventOf<Ledger, 'ledger'>, { type: 'OrderPlaced' }>['version']
    >().toEqualTypeOf<3>();
    expectTypeOf<
      Extract<ServiceEventOf<Ledger, 'ledger'>, { type: 'OrderPlaced' }>['data']
    >().toEqualTypeOf<V3>();
    expectTypeOf<Extract<ServiceEventOf<Ledger, 'ledger'>, { type: 'Note' }>['version']>().toEqualTypeOf<
      1 | 2
    >();
    declareService(ledger, 'ledger', {
      on: {
        OrderPlaced: (event) => {
          expectTypeOf(event.data).toEqualTypeOf<V3>();
          // @ts-expect-error a latest-only handler never sees v1
          if (event.version === 1) return;
        },
      },
    });
    expect(true).toBe(true);
  });

  it('refuses a wrong handler key, a wrong emit type or data, and an undeclared table', () => {
    expect(() =>
      declareService(ledger, 'ledger', {
        // @ts-expect-error OrderShipped is not an event type the ledger receives
        on: { OrderShipped: () => {} },
      }),
    ).toThrow(/OrderShipped/);
    declareService(ledger, 'ledger', {
      on: {
        OrderPlaced: (event, ctx) => {
          const { orderId, total } = event.data;
          // @ts-expect-error the ledger writes OrderBooked only
          ctx.emit('OrderPlaced', event.data);
          // @ts-expect-error OrderBooked's cents is an integer, not a string
          ctx.emit('OrderBooked', { orderId, cents: String(total.cents), currency: total.currency });
          // @ts-expect-error OrderBooked requires currency
          ctx.emit('OrderBooked', { orderId, cents: total.cents });
          // @ts-expect-error the ledger has no table "orders"
          ctx.put('orders', { pk: orderId });
          ctx.put('books', { pk: orderId, cents: total.cents });
        },
      },
    });
    expect(new MemoryConsumerStore(['books'])).toBeDefined();
  });
});
