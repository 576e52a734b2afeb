import { describe, expect, it } from 'vitest';
import type { FlowEvent, OrderRequested } from '../../example/domain/events';
import { decide, evolve, type OrderState, react, rejectionReasons } from '../../example/domain/order';

const AT = '2026-01-01T00:00:00.000Z';
const request = (overrides: Partial<OrderRequested> = {}): FlowEvent => ({
  type: 'OrderRequested',
  data: {
    orderId: 'o-1',
    customerId: 'c-1',
    items: [{ sku: 'tea', quantity: 2, unitPrice: 3.5 }],
    ...overrides,
  },
});
const given = (...events: FlowEvent[]): OrderState | undefined =>
  events.reduce<OrderState | undefined>((s, e) => react(s, e, AT).state, undefined);
const processed: FlowEvent = {
  type: 'PaymentProcessed',
  data: {
    orderId: 'o-1',
    chargeId: 'ch_1',
    amount: 7,
    currency: 'USD',
    homeAmount: 6.3,
    homeCurrency: 'EUR',
    rate: 0.9,
  },
};

describe('orders decide/evolve', () => {
  it('given no order, when requested, then validates it and records REQUESTED then VALIDATED', () => {
    const { state, emits } = react(undefined, request({ currency: 'USD', paymentToken: 'tok_abc' }), AT);

    expect(emits).toEqual([
      {
        type: 'OrderValidated',
        data: { orderId: 'o-1', customerId: 'c-1', amount: 7, currency: 'USD', paymentToken: 'tok_abc' },
      },
    ]);
    expect(state?.history.map((h) => h.status)).toEqual(['REQUESTED', 'VALIDATED']);
    expect(state?.total).toBe(7);
  });

  it.each([
    [{ currency: 'XYZ' }, 'currency XYZ is not supported'],
    [{ items: [{ sku: 'tea', quantity: 2, unitPrice: 6_000 }] }, 'exceeds the limit'],
    [{ items: [{ sku: 'tea', quantity: 1, unitPrice: 0 }] }, 'total is 0'],
    [{ items: [{ sku: 'discontinued-kettle', quantity: 1, unitPrice: 1 }] }, 'discontinued'],
  ])('given no order, when requested with %j, then rejects it saying why', (overrides, reason) => {
    const { state, emits } = react(undefined, request(overrides), AT);

    expect(emits[0]?.type).toBe('OrderRejected');
    expect(JSON.stringify(emits[0]?.data)).toContain(reason);
    expect(state?.status).toBe('REJECTED');
  });

  it('given an order, when requested again, then emits nothing and keeps it', () => {
    const existing = given(request());

    expect(react(existing, request({ currency: 'GBP' }), AT)).toEqual({ state: existing, emits: [] });
  });

  it('given a validated order, when paid, then confirms it with the home amount', () => {
    const { state, emits } = react(given(request({ currency: 'USD' })), processed, AT);

    expect(emits).toEqual([
      {
        type: 'OrderConfirmed',
        data: {
          orderId: 'o-1',
          customerId: 'c-1',
          amount: 7,
          currency: 'USD',
          homeAmount: 6.3,
          homeCurrency: 'EUR',
        },
      },
    ]);
    expect(state?.status).toBe('CONFIRMED');
    expect(state?.homeAmount).toBe(6.3);
    expect(state?.history.find((h) => h.status === 'PAID')?.detail).toBe('charge ch_1: 7.00 USD = 6.30 EUR');
  });

  it('given a validated order, when the payment fails, then cancels it', () => {
    const failed: FlowEvent = { type: 'PaymentFailed', data: { orderId: 'o-1', reason: 'DECLINED' } };

    const { state, emits } = react(given(request()), failed, AT);

    expect(emits).toEqual([
      {
        type: 'OrderCancelled',
        data: { orderId: 'o-1', customerId: 'c-1', reason: 'payment failed: DECLINED' },
      },
    ]);
    expect(state?.history.map((h) => h.status)).toEqual([
      'REQUESTED',
      'VALIDATED',
      'PAYMENT_FAILED',
      'CANCELLED',
    ]);
  });

  it('given a confirmed order, when paid again, then emits nothing more', () => {
    expect(decide(given(request(), processed), processed)).toEqual([]);
  });

  it('given an order not awaiting payment (rejected, confirmed, cancelled), when a payment outcome arrives, then it stays as it was', () => {
    const failed: FlowEvent = { type: 'PaymentFailed', data: { orderId: 'o-1', reason: 'DECLINED' } };
    const rejected = given(request({ items: [{ sku: 'discontinued-tea', quantity: 1, unitPrice: 3 }] }));
    const confirmed = given(request(), processed);
    const cancelled = given(request(), failed);

    for (const before of [rejected, confirmed, cancelled])
      for (const late of [processed, failed])
        expect(react(before, late, AT)).toEqual({ state: before, emits: [] });
    expect([rejected, confirmed, cancelled].map((s) => s?.status)).toEqual([
      'REJECTED',
      'CONFIRMED',
      'CANCELLED',
    ]);
  });

  it('given no order (never requested, or its user deleted), when shipping facts arrive, then nothing is created', () => {
    const shipped: FlowEvent = {
      type: 'OrderShipped',
      data: { orderId: 'o-1', customerId: 'c-1', carrier: 'x', trackingId: 't' },
    };

    expect(react(undefined, shipped, AT)).toEqual({ state: undefined, emits: [] });
  });

  it('given a confirmed order, when shipped and delivered, then ends DELIVERED with every step once', () => {
    const shipped: FlowEvent = {
      type: 'OrderShipped',
      data: { orderId: 'o-1', customerId: 'c-1', carrier: 'x', trackingId: 't' },
    };
    const delivered: FlowEvent = {
      type: 'OrderDelivered',
      data: { orderId: 'o-1', customerId: 'c-1', homeAmount: 7, homeCurrency: 'EUR' },
    };

    const state = [shipped, shipped, delivered].reduce(
      (s, e) => evolve(s, e, AT),
      given(request(), {
        ...processed,
        data: { ...processed.data, currency: 'EUR', rate: 1, homeAmount: 7 },
      }),
    );

    expect(state?.history.map((h) => h.status)).toEqual([
      'REQUESTED',
      'VALIDATED',
      'PAID',
      'CONFIRMED',
      'SHIPPED',
      'DELIVERED',
    ]);
  });

  it('accepts an order in the home currency by default', () => {
    expect(
      rejectionReasons({ orderId: 'o', customerId: 'c', items: [{ sku: 's', quantity: 1, unitPrice: 1 }] }),
    ).toEqual([]);
  });
});
