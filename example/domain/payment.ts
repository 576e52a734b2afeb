import * as Type from 'typebox';
import type { EventOf, OrderValidated } from './events';
import type { Conversion } from './money';

/** What the payment provider answered for a charge. */
export type ChargeResult =
  | { readonly status: 'succeeded'; readonly chargeId: string }
  | { readonly status: 'declined'; readonly reason: string };

/** The payments service's record of one order's payment (`payments` table, pk = orderId). */
export const paymentState = Type.Object({
  orderId: Type.String(),
  status: Type.Enum(['PROCESSED', 'FAILED']),
  amount: Type.Number(),
  currency: Type.String(),
  at: Type.String(),
  homeAmount: Type.Optional(Type.Number()),
  homeCurrency: Type.Optional(Type.String()),
  rate: Type.Optional(Type.Number()),
  chargeId: Type.Optional(Type.String()),
  reason: Type.Optional(Type.String()),
});
export type PaymentState = Type.Static<typeof paymentState>;

/**
 * decide: the payment record and the event for a validated order, given the conversion into the home
 * currency (undefined: no rate for a foreign currency, so no charge was attempted) and the provider's answer.
 */
export const paymentOutcome = (
  order: OrderValidated,
  conversion: Conversion | undefined,
  charge: ChargeResult | undefined,
  at: string,
): { state: PaymentState; emit: EventOf<'PaymentProcessed' | 'PaymentFailed'> } => {
  const { orderId, amount, currency } = order;
  const base = { orderId, amount, currency, at };
  if (!conversion) {
    const detail = `no exchange rate for ${currency}`;
    return {
      state: { ...base, status: 'FAILED', reason: 'NO_RATE' },
      emit: { type: 'PaymentFailed', data: { orderId, reason: 'NO_RATE', detail } },
    };
  }
  if (!charge || charge.status === 'declined') {
    const detail = charge?.reason ?? 'not charged';
    return {
      state: { ...base, ...conversion, status: 'FAILED', reason: 'DECLINED' },
      emit: { type: 'PaymentFailed', data: { orderId, reason: 'DECLINED', detail } },
    };
  }
  return {
    state: { ...base, ...conversion, status: 'PROCESSED', chargeId: charge.chargeId },
    emit: {
      type: 'PaymentProcessed',
      data: { orderId, amount, currency, ...conversion, chargeId: charge.chargeId },
    },
  };
};
