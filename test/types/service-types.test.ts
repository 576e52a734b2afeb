import { describe, expect, expectTypeOf, it } from 'vitest';
import type { EventData, LatestVersion, ServiceName, TableName, WrittenTypeSpec } from '../../shared/catalog';
import {
  declareService,
  defineService,
  MemoryConsumerStore,
  type ServiceContextOf,
  type ServiceEventOf,
  type ServiceHandler,
  type StateItem,
} from '../../shared/consumer';
import { shop, shopEnv } from './shop-catalog';

/** Runtime options, so each definition below also passes (or fails) the runtime's cold-start checks. */
const local = () => ({ env: shopEnv, store: new MemoryConsumerStore(['orders', 'rates', 'payments']) });

/**
 * Compile-time tests of `defineService`: `npm run typecheck` fails when a `@ts-expect-error` line stops
 * erroring or an `expectTypeOf` stops matching. At run time each definition is built (the handlers are
 * never invoked), and the keys the types refuse are refused by the runtime too. Handlers running through
 * the runtime: test/unit/consumer-service.test.ts.
 */
type Shop = typeof shop;
type OrderPlacedV1 = { orderId: string; amount: number };
type OrderPlacedV2 = { orderId: string; amountCents: number; currency: string };

describe('defineCatalog types', () => {
  it('keeps service, table and event type names as literals', () => {
    expectTypeOf<ServiceName<Shop>>().toEqualTypeOf<'orders' | 'billing'>();
    expectTypeOf<TableName<Shop, 'orders'>>().toEqualTypeOf<'orders' | 'rates'>();
    expectTypeOf<WrittenTypeSpec<Shop, 'orders'>['type']>().toEqualTypeOf<'OrderAccepted'>();
    expectTypeOf<LatestVersion<WrittenTypeSpec<Shop, 'orders'>>>().toEqualTypeOf<2>();
    expectTypeOf<EventData<WrittenTypeSpec<Shop, 'orders'>, 1>>().toEqualTypeOf<{ orderId: string }>();
  });
});

describe('one handler shared by several event types', () => {
  it('registers a ServiceHandler of a union under each of its types, and only those', () => {
    // Before ServiceHandlers spelled its value type out, both registrations failed with TS2719.
    const shared: ServiceHandler<Shop, 'orders', 'OrderPlaced' | 'OrderAccepted'> = (event) => {
      expectTypeOf(event.data.orderId).toEqualTypeOf<string>();
    };
    const placedOnly: ServiceHandler<Shop, 'orders', 'OrderPlaced'> = () => {};

    const declared = declareService(shop, 'orders', { on: { OrderPlaced: shared, OrderAccepted: shared } });
    // @ts-expect-error a handler of OrderPlaced alone cannot serve OrderAccepted
    declareService(shop, 'orders', { on: { OrderAccepted: placedOnly } });

    expect(Object.keys(declared.on)).toEqual(['OrderPlaced', 'OrderAccepted']);
  });
});

describe('defineService types', () => {
  it('limits handler keys to the event types the service consumes', () => {
    expect(() =>
      defineService(
        shop,
        'billing',
        {
          on: {
            OrderPlaced: () => {},
            // @ts-expect-error PaymentTaken is on payments, a topic billing does not subscribe to
            PaymentTaken: () => {},
          },
        },
        local(),
      ),
    ).toThrow(/PaymentTaken/);
    // @ts-expect-error not an event type of the catalog at all
    expect(() => defineService(shop, 'billing', { on: { OrderShipped: () => {} } }, local())).toThrow(
      /OrderShipped/,
    );
    // @ts-expect-error not a service of the catalog
    expect(() => defineService(shop, 'shipping', { on: {} }, local())).toThrow(/shipping/);
    expectTypeOf<ServiceEventOf<Shop, 'orders'>['type']>().toEqualTypeOf<
      'OrderPlaced' | 'OrderAccepted' | 'RateSet' | 'Untyped'
    >();
  });

  it('types event.data per version, narrowed by event.version', () => {
    defineService(
      shop,
      'billing',
      {
        on: {
          OrderPlaced: (event) => {
            expectTypeOf(event.version).toEqualTypeOf<1 | 2>();
            expectTypeOf(event.data).toEqualTypeOf<OrderPlacedV1 | OrderPlacedV2>();
            if (event.version === 1) {
              expectTypeOf(event.data).toEqualTypeOf<OrderPlacedV1>();
              // @ts-expect-error amountCents is a v2 field
              event.data.amountCents;
            } else {
              expectTypeOf(event.data).toEqualTypeOf<OrderPlacedV2>();
              // @ts-expect-error amount is a v1 field
              event.data.amount;
            }
            // @ts-expect-error OrderPlaced has no version 3
            if (event.version === 3) return;
            // @ts-expect-error a v1 field is not on the union before narrowing
            event.data.amount;
          },
        },
      },
      local(),
    );
  });

  it('leaves data of a plain JSON Schema unknown', () => {
    defineService(
      shop,
      'orders',
      {
        on: {
          Untyped: (event) => {
            expectTypeOf(event.data).toEqualTypeOf<unknown>();
          },
        },
      },
      local(),
    );
  });

  it('lets ctx.emit take only the types the service writes, with their data per version', () => {
    defineService(
      shop,
      'orders',
      {
        on: {
          OrderPlaced: (event, ctx) => {
            const { orderId } = event.data;
            ctx.emit('OrderAccepted', { orderId, acceptedBy: 'auto' });
            ctx.emit('OrderAccepted', { orderId }, { version: 1 });
            // @ts-expect-error OrderPlaced is written by storefront, not by orders
            ctx.emit('OrderPlaced', { orderId, amount: 1 });
            // @ts-expect-error PaymentTaken is written by billing
            ctx.emit('PaymentTaken', { orderId, chargeId: 'c' });
            // @ts-expect-error the latest version (2) requires acceptedBy
            ctx.emit('OrderAccepted', { orderId });
            // @ts-expect-error orderId is a string
            ctx.emit('OrderAccepted', { orderId: 1, acceptedBy: 'auto' });
            // @ts-expect-error OrderAccepted has no version 3
            ctx.emit('OrderAccepted', { orderId }, { version: 3 });
          },
        },
      },
      local(),
    );
  });

  it('lets ctx.get/put/update/delete name only the service own tables and ctx.lookup its table subscriptions', () => {
    defineService(
      shop,
      'orders',
      {
        on: {
          OrderPlaced: async (event, ctx) => {
            const pk = event.data.orderId;
            expectTypeOf(await ctx.get('orders', pk)).toEqualTypeOf<StateItem | undefined>();
            ctx.put('orders', { pk });
            ctx.update('orders', pk, { set: { n: 1 } });
            ctx.delete('rates', pk);
            await ctx.lookup('rates', 'USD-EUR');
            // @ts-expect-error payments is billing's table
            await ctx.get('payments', pk);
            // @ts-expect-error payments is billing's table
            ctx.put('payments', { pk });
            // @ts-expect-error payments is billing's table
            ctx.update('payments', pk, { set: { n: 1 } });
            // @ts-expect-error payments is billing's table
            ctx.delete('payments', pk);
            // @ts-expect-error orders is a table of the service but no table subscription
            await ctx.lookup('orders', pk);
          },
        },
      },
      local(),
    );
    expectTypeOf<Parameters<ServiceContextOf<Shop, 'billing'>['lookup']>[0]>().toBeNever();
  });
});
