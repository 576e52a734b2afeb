import { describe, expect, it } from 'vitest';
import { CARRIER, trackingIdOf } from '../../example/domain/shipping';
import { shipping } from '../../example/services/shipping';
import { testService } from '../../shared/testing';
import { ada, traces } from './example-erasure-support';

const confirmed = {
  type: 'OrderConfirmed',
  data: { orderId: 'o-1', customerId: 'u-1', amount: 7, currency: 'EUR', homeAmount: 7, homeCurrency: 'EUR' },
} as const;
const shipped = {
  type: 'OrderShipped',
  data: { orderId: 'o-1', customerId: 'u-1', carrier: CARRIER, trackingId: trackingIdOf('o-1') },
} as const;

describe('shipping service', () => {
  it('when an order is confirmed, then records the shipment, indexes it under the customer and emits OrderShipped', async () => {
    // Prepare
    const t = testService(shipping);

    // Act
    const out = await t.when(confirmed);

    // Assess
    expect(out.emitted).toEqual([{ type: 'OrderShipped', key: 'o-1', version: 1, data: shipped.data }]);
    expect(await t.item('shipments', 'o-1')).toMatchObject({
      status: 'SHIPPED',
      trackingId: trackingIdOf('o-1'),
    });
    expect(await t.item('customers', 'u-1')).toMatchObject({ ids: ['o-1'] });
  });

  it('given a shipped order, when its OrderShipped comes back, then marks it DELIVERED and emits OrderDelivered', async () => {
    // Prepare
    const t = testService(shipping);
    await t.given(confirmed);

    // Act
    const out = await t.when(shipped);

    // Assess
    expect(out.emitted).toEqual([
      {
        type: 'OrderDelivered',
        key: 'o-1',
        version: 1,
        data: { orderId: 'o-1', customerId: 'u-1', homeAmount: 7, homeCurrency: 'EUR' },
      },
    ]);
    expect(await t.item('shipments', 'o-1')).toMatchObject({ status: 'DELIVERED' });
  });

  it('given a shipped order, when it is confirmed again, then ships nothing twice', async () => {
    // Prepare
    const t = testService(shipping);
    await t.given(confirmed);

    // Act
    const out = await t.when(confirmed);

    // Assess
    expect(out.emitted).toEqual([]);
    expect(await t.item('customers', 'u-1')).toMatchObject({ ids: ['o-1'] });
  });

  it('given a shipped order, when the user is deleted, then the shipment and index are gone and delivery finds nothing', async () => {
    // Prepare
    const t = testService(shipping);
    await t.given(confirmed);

    // Act
    await t.when({ type: 'UserDeleted', data: { userId: 'u-1' } });
    const late = await t.when(shipped);

    // Assess
    expect(await t.item('shipments', 'o-1')).toBeUndefined();
    expect(await t.item('customers', 'u-1')).toBeUndefined();
    expect(late.emitted).toEqual([]);
  });
});

describe('shipping service, a confirmation still in flight when its customer is erased', () => {
  const deleted = { type: 'UserDeleted', data: { userId: 'u-1' } } as const;

  it('given a deleted user, when their order is confirmed late, then ships nothing and keeps nothing about them', async () => {
    // Prepare: the users topic ran ahead of the orders topic.
    const t = testService(shipping);
    await t.given(deleted);

    // Act
    const out = await t.when(confirmed);

    // Assess
    expect(out.failed).toEqual([]);
    expect(traces(t.store, Object.values(ada))).toEqual([]);
    expect(out.emitted).toEqual([]);
    expect(await t.item('shipments', 'o-1')).toBeUndefined();
  });

  it('given a deleted user who signs up again, when their order is confirmed, then ships it', async () => {
    // Prepare
    const t = testService(shipping);
    await t.given(deleted, { type: 'UserSignedUp', data: ada });

    // Act
    const out = await t.when(confirmed);

    // Assess
    expect(out.emitted).toEqual([{ type: 'OrderShipped', key: 'o-1', version: 1, data: shipped.data }]);
    expect(await t.item('customers', 'u-1')).toMatchObject({ ids: ['o-1'] });
  });
});
