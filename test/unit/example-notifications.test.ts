import { describe, expect, it } from 'vitest';
import { notifications } from '../../example/services/notifications';
import { testService } from '../../shared/testing';
import { ada, traces } from './example-erasure-support';

const signedUp = {
  type: 'UserSignedUp',
  data: { userId: 'u-1', name: 'Ada', email: 'ada@example.com' },
} as const;
const delivered = {
  type: 'OrderDelivered',
  data: { orderId: 'o-1', customerId: 'u-1', homeAmount: 6.3, homeCurrency: 'EUR' },
} as const;

describe('notifications service', () => {
  it('given a signed-up user, when their order is delivered, then writes one notification and indexes it', async () => {
    // Prepare
    const t = testService(notifications);
    await t.given(signedUp);

    // Act
    const out = await t.when(delivered);

    // Assess
    expect(out.emitted).toEqual([]);
    expect(await t.item('notifications', 'o-1')).toMatchObject({
      userId: 'u-1',
      to: 'ada@example.com',
      text: 'Hi Ada, your order o-1 was delivered. You paid 6.30 EUR.',
    });
    expect(await t.item('user-notifications', 'u-1')).toMatchObject({ ids: ['o-1'] });
  });

  it('given no user, when an order is delivered, then notifies nobody', async () => {
    // Prepare
    const t = testService(notifications);

    // Act
    await t.when(delivered);

    // Assess
    expect(await t.item('notifications', 'o-1')).toBeUndefined();
  });

  it('given a notified user, when the user is deleted, then the user, notifications and index are gone', async () => {
    // Prepare
    const t = testService(notifications);
    await t.given(signedUp, delivered);

    // Act
    const out = await t.when({ type: 'UserDeleted', data: { userId: 'u-1' } });

    // Assess
    expect(out.failed).toEqual([]);
    expect(await t.item('users', 'u-1')).toBeUndefined();
    expect(await t.item('notifications', 'o-1')).toBeUndefined();
    expect(await t.item('user-notifications', 'u-1')).toBeUndefined();
  });
});

describe('notifications service, a delivery still in flight when its user is erased', () => {
  it('given a deleted user, when their order is delivered late, then notifies nobody and keeps nothing about them: the deletion removed them from the users table it looks up', async () => {
    // Prepare: the users topic ran ahead of the shipments topic.
    const t = testService(notifications);
    await t.given(signedUp, { type: 'UserDeleted', data: { userId: 'u-1' } });

    // Act
    const out = await t.when(delivered);

    // Assess
    expect(out.failed).toEqual([]);
    expect(traces(t.store, Object.values(ada))).toEqual([]);
    expect(await t.item('notifications', 'o-1')).toBeUndefined();
  });
});
