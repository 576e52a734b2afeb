import { declareService, lookupChecks } from '../../shared/consumer';
import { chargeWithRetries, type PaymentProvider } from '../adapters/payment-provider';
import { catalog } from '../catalog';
import { HOME_CURRENCY, ratePair, toHome } from '../domain/money';
import { paymentOutcome } from '../domain/payment';
import { now, readLookup, toItem } from '../state/items';

const rates = lookupChecks(catalog, 'payments').of('rates');

/**
 * The `payments` service, given its payment provider (the Lambda entry passes the stub provider with a
 * DynamoDB ledger; tests pass an in-memory one). The rates subscription only materializes its table.
 *
 * `OrderValidated` charges a validated order once. The idempotency key is the same on every delivery of
 * the event, so when a charge succeeded but the answer was lost, the retry gets the first charge back
 * instead of a second one. A request the provider rejects as malformed throws on every attempt and is
 * parked.
 */
export const paymentsService = (provider: PaymentProvider) =>
  declareService(catalog, 'payments', {
    on: {
      OrderValidated: async (event, ctx) => {
        const order = event.data;
        if (await ctx.get('payments', order.orderId)) return;
        // The join with the rates table: the latest rate of the pair when this payment is processed.
        const rate =
          order.currency === HOME_CURRENCY
            ? undefined
            : (await readLookup(ctx, rates, ratePair(order.currency)))?.rate;
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
      },
    },
  });
