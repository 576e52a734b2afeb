import { createDocumentClient } from '../../shared/aws';
import { requireEnv, stateTableEnvVar } from '../../shared/config';
import { defineConsumer, type EventHandler } from '../../shared/consumer';
import { dynamoChargeLedger } from '../adapters/charge-ledger-dynamo';
import { chargeWithRetries, createPaymentProvider } from '../adapters/payment-provider';
import { catalog } from '../catalog';
import type { OrderValidated } from '../domain/events';
import { HOME_CURRENCY, ratePair, toHome } from '../domain/money';
import { paymentOutcome, rateOf } from '../domain/payment';
import { paymentFailureRate } from '../faults';
import { now, toItem } from '../state/items';

const provider = createPaymentProvider({
  ledger: dynamoChargeLedger(
    createDocumentClient(),
    requireEnv(stateTableEnvVar('payments', 'provider-charges')),
  ),
  failureRate: () => paymentFailureRate(),
});

/**
 * Charges a validated order once. The idempotency key is the same on every delivery of this event, so
 * when a charge succeeded but the answer was lost, the retry gets the first charge back instead of a
 * second one. A request the provider rejects as malformed throws on every attempt and is parked.
 */
const onOrderValidated: EventHandler<OrderValidated> = async (event, ctx) => {
  const order = event.data;
  if (await ctx.get('payments', order.orderId)) return;
  // The join with the rates table: the latest rate of the pair when this payment is processed.
  const rate =
    order.currency === HOME_CURRENCY
      ? undefined
      : rateOf(await ctx.lookup('rates', ratePair(order.currency)));
  const conversion = toHome(order.amount, order.currency, rate);
  const charge = conversion
    ? await chargeWithRetries(provider, {
        idempotencyKey: ctx.idempotencyKey('charge'),
        orderId: order.orderId,
        amount: order.amount,
        currency: order.currency,
        ...(order.paymentToken === undefined ? {} : { token: order.paymentToken }),
      })
    : undefined;
  const { state, emit } = paymentOutcome(order, conversion, charge, now());
  ctx.put('payments', toItem(order.orderId, state));
  ctx.emit(emit.type, emit.data);
};

/** Lambda entry of the `payments` service; the rates subscription only materializes its table. */
export const handler = defineConsumer({
  catalog,
  service: 'payments',
  handlers: { OrderValidated: onOrderValidated as EventHandler },
});
