import { describe, expect, it } from 'vitest';
import { analytics } from '../../example/services/analytics';
import { testService } from '../../shared/testing';

const items = [{ sku: 'tea', quantity: 1, unitPrice: 3 }];
const requested = { type: 'OrderRequested', data: { orderId: 'o-1', customerId: 'u-1', items } } as const;
const validated = {
  type: 'OrderValidated',
  data: { orderId: 'o-1', customerId: 'u-1', amount: 3, currency: 'EUR' },
} as const;

describe('analytics service', () => {
  it('when an order is requested, then keeps its status and counts one REQUESTED', async () => {
    // Prepare
    const t = testService(analytics);

    // Act
    const out = await t.when(requested);

    // Assess
    expect(out.emitted).toEqual([]);
    expect(await t.item('order-status', 'o-1')).toEqual({ pk: 'o-1', status: 'REQUESTED' });
    expect(await t.item('counts', 'REQUESTED')).toMatchObject({ count: 1 });
  });

  it('given a requested order, when it is validated, then moves the count from REQUESTED to VALIDATED', async () => {
    // Prepare
    const t = testService(analytics);
    await t.given(requested);

    // Act
    await t.when(validated);

    // Assess
    expect(await t.item('order-status', 'o-1')).toEqual({ pk: 'o-1', status: 'VALIDATED' });
    expect(await t.item('counts', 'REQUESTED')).toMatchObject({ count: 0 });
    expect(await t.item('counts', 'VALIDATED')).toMatchObject({ count: 1 });
  });

  it('given prior counts, when a status repeats, then counts nothing twice', async () => {
    // Prepare
    const t = testService(analytics);
    t.state('counts', { pk: 'VALIDATED', count: 4 }).state('order-status', {
      pk: 'o-1',
      status: 'VALIDATED',
    });

    // Act
    await t.when(validated);

    // Assess
    expect(await t.item('counts', 'VALIDATED')).toMatchObject({ count: 4 });
  });
});
