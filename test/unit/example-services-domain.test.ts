import { describe, expect, it } from 'vitest';
import type { OrderValidated } from '../../example/domain/events';
import { toHome } from '../../example/domain/money';
import { notify, type Recipient } from '../../example/domain/notification';
import { paymentOutcome } from '../../example/domain/payment';
import { deliver, ship, trackingIdOf } from '../../example/domain/shipping';
import { countsView, orderView, rateView } from '../../example/domain/views';

const AT = '2026-01-01T00:00:00.000Z';
const validated: OrderValidated = { orderId: 'o-1', customerId: 'c-1', amount: 12.5, currency: 'USD' };

describe('payments decide', () => {
  it('given a rate, when charged, then records and emits the amount in the home currency', () => {
    const conversion = toHome(12.5, 'USD', 0.9);

    const { state, emit } = paymentOutcome(
      validated,
      conversion,
      { status: 'succeeded', chargeId: 'ch_1' },
      AT,
    );

    expect(emit).toEqual({
      type: 'PaymentProcessed',
      data: {
        orderId: 'o-1',
        amount: 12.5,
        currency: 'USD',
        homeAmount: 11.25,
        homeCurrency: 'EUR',
        rate: 0.9,
        chargeId: 'ch_1',
      },
    });
    expect(state).toMatchObject({ status: 'PROCESSED', homeAmount: 11.25, chargeId: 'ch_1' });
  });

  it('given no rate for a foreign currency, then fails with NO_RATE without a charge', () => {
    const { state, emit } = paymentOutcome(validated, toHome(12.5, 'USD', undefined), undefined, AT);

    expect(emit).toEqual({
      type: 'PaymentFailed',
      data: { orderId: 'o-1', reason: 'NO_RATE', detail: 'no exchange rate for USD' },
    });
    expect(state.status).toBe('FAILED');
  });

  it('given a declined charge, then fails with DECLINED and the provider reason', () => {
    const { emit } = paymentOutcome(
      validated,
      toHome(12.5, 'EUR', undefined),
      { status: 'declined', reason: 'no funds' },
      AT,
    );

    expect(emit).toEqual({
      type: 'PaymentFailed',
      data: { orderId: 'o-1', reason: 'DECLINED', detail: 'no funds' },
    });
  });

  it('converts the home currency at 1 and rounds to cents', () => {
    expect(toHome(10.005, 'EUR', undefined)).toEqual({ homeAmount: 10.01, homeCurrency: 'EUR', rate: 1 });
    expect(toHome(3, 'JPY', 0.00613)).toEqual({ homeAmount: 0.02, homeCurrency: 'EUR', rate: 0.00613 });
  });

  it('reads the rate view from a materialized item and nothing from a malformed one', () => {
    const item = {
      pk: 'USD-EUR',
      value: { pair: 'USD-EUR', rate: 0.9 },
      time: AT,
      eventId: 'e',
      type: 'ExchangeRateSet',
    };

    expect(rateView(item)).toEqual({ pair: 'USD-EUR', rate: 0.9, asOf: AT });
    expect(rateView({ pk: 'USD-EUR', value: { rate: -1 } })).toBeUndefined();
  });
});

describe('shipping decide', () => {
  const confirmed = {
    orderId: 'o-1',
    customerId: 'c-1',
    amount: 7,
    currency: 'EUR',
    homeAmount: 7,
    homeCurrency: 'EUR',
  };

  it('given no shipment, when confirmed, then ships once with a stable tracking id', () => {
    const shipped = ship(undefined, confirmed, AT);

    expect(shipped?.emit).toEqual({
      type: 'OrderShipped',
      data: { orderId: 'o-1', customerId: 'c-1', carrier: 'spine-post', trackingId: trackingIdOf('o-1') },
    });
    expect(ship(shipped?.state, confirmed, AT)).toBeUndefined();
    expect(trackingIdOf('o-1')).toBe(trackingIdOf('o-1'));
  });

  it('given a shipped parcel, when reported, then delivers it once carrying the home amount on', () => {
    const shipped = ship(undefined, confirmed, AT)?.state;

    const delivered = deliver(shipped, AT);

    expect(delivered?.emit).toEqual({
      type: 'OrderDelivered',
      data: { orderId: 'o-1', customerId: 'c-1', homeAmount: 7, homeCurrency: 'EUR' },
    });
    expect(deliver(delivered?.state, AT)).toBeUndefined();
    expect(deliver(undefined, AT)).toBeUndefined();
  });
});

describe('notifications decide', () => {
  const delivered = { orderId: 'o-1', customerId: 'c-1', homeAmount: 6.3, homeCurrency: 'EUR' };
  const ada: Recipient = { userId: 'c-1', name: 'Ada', email: 'ada@example.com' };

  it('given a known user, when delivered, then notifies once stating the home amount', () => {
    const notification = notify(undefined, ada, delivered, AT);

    expect(notification).toEqual({
      orderId: 'o-1',
      userId: 'c-1',
      to: 'ada@example.com',
      text: 'Hi Ada, your order o-1 was delivered. You paid 6.30 EUR.',
      at: AT,
    });
    expect(notify(notification, ada, delivered, AT)).toBeUndefined();
  });

  it('given an unknown or deleted user, then notifies nobody', () => {
    expect(notify(undefined, undefined, delivered, AT)).toBeUndefined();
  });
});

describe('analytics view', () => {
  it('shows 0 for statuses not seen yet', () => {
    expect(
      countsView([
        { pk: 'reached#CONFIRMED', count: 3 },
        { pk: 'VALIDATED', count: 5 },
        { pk: 'bogus', count: 1 },
      ]),
    ).toEqual({
      counts: { VALIDATED: 0, REJECTED: 0, CONFIRMED: 3, CANCELLED: 0 },
    });
  });
});

describe('order view', () => {
  it('hides the payment token and rejects items that are not orders', () => {
    const item = {
      pk: 'o-1',
      orderId: 'o-1',
      customerId: 'c-1',
      currency: 'EUR',
      total: 7,
      status: 'REQUESTED',
      history: [{ status: 'REQUESTED', at: AT }],
      paymentToken: 'tok_secret',
    };

    expect(JSON.stringify(orderView(item))).not.toContain('tok_secret');
    expect(orderView(item)?.status).toBe('REQUESTED');
    expect(orderView({ pk: 'o-1' })).toBeUndefined();
  });

  it('shows none of the runtime attributes a direct read returns, and a tombstone as absent', () => {
    // Prepare: the item as GetItem returns it after the runtime's fenced write, and a deleted one's tombstone
    const fence = 'spine:fence:shipments|shardId-000000000001';
    const stored = {
      pk: 'o-1',
      orderId: 'o-1',
      customerId: 'c-1',
      currency: 'EUR',
      total: 7,
      status: 'DELIVERED',
      history: [{ status: 'DELIVERED', at: AT }],
      [fence]: '05649000000000000000000000000000000000000000000000000000018@1795818770108',
      'spine:units': new Set([fence.slice('spine:fence:'.length)]),
    };
    const tombstone = { pk: 'USD-EUR', 'spine:deleted': true, [fence]: '0011@1' };
    // Act
    const view = orderView(stored);
    // Assert
    expect(view?.status).toBe('DELIVERED');
    expect(Object.keys(view ?? {}).filter((k) => k.startsWith('spine:'))).toEqual([]);
    expect(orderView({ ...tombstone, pk: 'o-1' })).toBeUndefined();
    expect(rateView(tombstone)).toBeUndefined();
    expect(countsView([{ pk: 'reached#CONFIRMED', count: 3, 'spine:deleted': true }]).counts.CONFIRMED).toBe(
      0,
    );
  });
});
