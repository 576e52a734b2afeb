import { describe, expect, expectTypeOf, it } from 'vitest';
import { orders } from '../../example/services/orders';
import { type TestEventOf, testService } from '../../shared/testing';

/**
 * Compile-time tests of `spine/testing`: `npm run typecheck` fails when a `@ts-expect-error` line stops
 * erroring. The events also run, so each test asserts an outcome too.
 */
describe('testService types', () => {
  it('accepts event data written as const (readonly arrays and literals all the way down)', async () => {
    // Prepare
    const t = testService(orders);
    const signedUp = {
      type: 'UserSignedUp',
      data: { userId: 'u-1', name: 'Ada', email: 'ada@example.com' },
    } as const;
    const requested = {
      type: 'OrderRequested',
      data: { orderId: 'o-1', customerId: 'u-1', items: [{ sku: 'tea', quantity: 2, unitPrice: 3.5 }] },
    } as const;
    await t.given(signedUp);

    // Act
    const out = await t.when(requested);

    // Assess
    expect(out.emitted.map((e) => e.type)).toEqual(['OrderValidated']);
  });

  it('still refuses const data of the wrong shape and types the catalog lacks', () => {
    const wrongQuantity = {
      type: 'OrderRequested',
      data: { orderId: 'o-1', customerId: 'u-1', items: [{ sku: 'tea', quantity: '2', unitPrice: 3.5 }] },
    } as const;
    const notConsumed = { type: 'NoSuchEvent', data: { orderId: 'o-1' } } as const;

    // @ts-expect-error quantity is a number
    expectTypeOf(wrongQuantity).toExtend<TestEventOf<typeof orders.catalog, 'orders'>>();
    // @ts-expect-error no such event type in the catalog
    expectTypeOf(notConsumed).toExtend<TestEventOf<typeof orders.catalog, 'orders'>>();
  });
});
