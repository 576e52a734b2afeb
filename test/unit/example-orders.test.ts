import { describe, expect, it } from 'vitest';
import { orders } from '../../example/services/orders';
import { erasureKey } from '../../example/state/erasure';
import { testService } from '../../shared/testing';
import { ada, traces } from './example-erasure-support';

const items = [{ sku: 'tea', quantity: 2, unitPrice: 3.5 }];
const requested = { type: 'OrderRequested', data: { orderId: 'o-1', customerId: 'u-1', items } } as const;
const signedUp = {
  type: 'UserSignedUp',
  data: { userId: 'u-1', name: 'Ada', email: 'ada@example.com' },
} as const;
const processed = {
  type: 'PaymentProcessed',
  data: {
    orderId: 'o-1',
    chargeId: 'ch_1',
    amount: 7,
    currency: 'EUR',
    homeAmount: 7,
    homeCurrency: 'EUR',
    rate: 1,
  },
} as const;

describe('orders service', () => {
  it('given a signed-up customer, when an order is requested, then stores it VALIDATED, indexes it and emits OrderValidated', async () => {
    // Prepare
    const t = testService(orders);
    await t.given(signedUp);

    // Act
    const out = await t.when(requested);

    // Assess
    expect(out.emitted).toEqual([
      {
        type: 'OrderValidated',
        key: 'o-1',
        version: 1,
        data: { orderId: 'o-1', customerId: 'u-1', amount: 7, currency: 'EUR' },
      },
    ]);
    expect(await t.item('orders', 'o-1')).toMatchObject({ pk: 'o-1', status: 'VALIDATED', total: 7 });
    expect(await t.item('customers', 'u-1')).toMatchObject({ name: 'Ada', ids: ['o-1'] });
  });

  it('given a validated order, when its payment is processed, then confirms it and emits OrderConfirmed', async () => {
    // Prepare
    const t = testService(orders);
    await t.given(requested);

    // Act
    const out = await t.when(processed);

    // Assess
    expect(out.emitted.map((e) => [e.type, e.key])).toEqual([['OrderConfirmed', 'o-1']]);
    expect(out.emitted[0]?.data).toMatchObject({ orderId: 'o-1', homeAmount: 7, homeCurrency: 'EUR' });
    expect(await t.item('orders', 'o-1')).toMatchObject({ status: 'CONFIRMED' });
  });

  it('when a user signs up, then keeps the profile with an empty order index', async () => {
    // Prepare
    const t = testService(orders);

    // Act
    const out = await t.when(signedUp);

    // Assess
    expect(out.emitted).toEqual([]);
    expect(await t.item('customers', 'u-1')).toMatchObject({
      pk: 'u-1',
      name: 'Ada',
      email: 'ada@example.com',
      ids: [],
    });
  });

  it('given a customer with an order, when the user is deleted, then their orders and profile are gone', async () => {
    // Prepare
    const t = testService(orders);
    await t.given(signedUp, requested);

    // Act
    const out = await t.when({ type: 'UserDeleted', data: { userId: 'u-1' } });

    // Assess
    expect(out.failed).toEqual([]);
    expect(await t.item('orders', 'o-1')).toBeUndefined();
    expect(await t.item('customers', 'u-1')).toBeUndefined();
  });

  it('given an order, when the same request is delivered again, then emits nothing and keeps the order', async () => {
    // Prepare
    const t = testService(orders);
    await t.given(requested);
    const before = await t.item('orders', 'o-1');

    // Act
    const out = await t.when({ ...requested, data: { ...requested.data, currency: 'GBP' } });

    // Assess
    expect(out.emitted).toEqual([]);
    expect(await t.item('orders', 'o-1')).toEqual(before);
  });
});

describe('orders service, a request still in flight when its user is erased', () => {
  const deleted = { type: 'UserDeleted', data: { userId: 'u-1' } } as const;

  it('given a deleted user, when their order request arrives late, then keeps and emits nothing about them', async () => {
    // Prepare: the users topic ran ahead of the orders topic.
    const t = testService(orders);
    await t.given(signedUp, deleted);

    // Act
    const out = await t.when(requested);

    // Assess
    expect(out.failed).toEqual([]);
    expect(traces(t.store, Object.values(ada))).toEqual([]);
    expect(out.emitted).toEqual([]);
    expect(await t.item('orders', 'o-1')).toBeUndefined();
    expect(await t.item('customers', erasureKey('u-1'))).toEqual({
      pk: erasureKey('u-1'),
      erasedAt: expect.any(String),
    });
  });

  it('given a deleted user who signs up again, when they request an order, then it goes through', async () => {
    // Prepare
    const t = testService(orders);
    await t.given(signedUp, deleted, signedUp);

    // Act
    const out = await t.when(requested);

    // Assess
    expect(out.emitted.map((e) => [e.type, e.key])).toEqual([['OrderValidated', 'o-1']]);
    expect(await t.item('customers', 'u-1')).toMatchObject({ name: 'Ada', ids: ['o-1'] });
  });
});

describe('orders service, what the runtime refuses', () => {
  it('when a v2 request carries a raw card number as its token, then parks it and stores nothing', async () => {
    // Prepare
    const t = testService(orders);

    // Act
    const out = await t.when({
      type: 'OrderRequested',
      version: 2,
      id: 'raw-card',
      data: { ...requested.data, paymentToken: '4111111111111111' },
    });

    // Assess
    expect(out.parked).toEqual(['raw-card']);
    expect(out.emitted).toEqual([]);
    expect(await t.item('orders', 'o-1')).toBeUndefined();
  });

  it('given a refused event, then the test stops at the given instead of asserting on a wrong setup', async () => {
    // Prepare
    const t = testService(orders);

    // Act
    const given = t.given({ ...signedUp, data: { ...signedUp.data, email: 'not-an-email' } });

    // Assess
    await expect(given).rejects.toThrow(/given events were refused by orders/);
  });
});
