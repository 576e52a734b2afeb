import { z } from 'zod';
import type { FlowEvent, OrderValidated } from './events';
import type { Conversion } from './money';

/** What the payment provider answered for a charge. */
export type ChargeResult =
  | { readonly status: 'succeeded'; readonly chargeId: string }
  | { readonly status: 'declined'; readonly reason: string };

/** The payments service's record of one order's payment (`payments` table, pk = orderId). */
export const paymentState = z.object({
  orderId: z.string(),
  status: z.enum(['PROCESSED', 'FAILED']),
  amount: z.number(),
  currency: z.string(),
  at: z.string(),
  homeAmount: z.number().optional(),
  homeCurrency: z.string().optional(),
  rate: z.number().optional(),
  chargeId: z.string().optional(),
  reason: z.string().optional(),
});
export type PaymentState = z.infer<typeof paymentState>;

const rateData = z.object({ pair: z.string(), rate: z.number().positive(), asOf: z.string().optional() });

/** The rate in the latest `ExchangeRateSet` data of a pair (what `ctx.lookup` returns), if any. */
export const rateOf = (data: unknown): number | undefined => {
  const parsed = rateData.safeParse(data);
  return parsed.success ? parsed.data.rate : undefined;
};

/** A rates-table item as the runtime materializes it: the latest data under `value`, with its event time. */
const materializedRate = z.object({ value: rateData, time: z.string() });

/** The read model of `GET /rates/{pair}`, or undefined for a missing or unreadable item. */
export const rateView = (item: unknown) => {
  const parsed = materializedRate.safeParse(item);
  if (!parsed.success) return undefined;
  const { pair, rate, asOf } = parsed.data.value;
  return { pair, rate, asOf: asOf ?? parsed.data.time };
};

/**
 * decide: the payment record and the event for a validated order, given the conversion into the home
 * currency (undefined: no rate for a foreign currency, so no charge was attempted) and the provider's answer.
 */
export const paymentOutcome = (
  order: OrderValidated,
  conversion: Conversion | undefined,
  charge: ChargeResult | undefined,
  at: string,
): { state: PaymentState; emit: FlowEvent } => {
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
