import type * as Type from 'typebox';
import type { ORDER_STATUSES, orderState } from '../state/schemas';
import type { EventOf, FlowEvent, OrderRequested } from './events';
import { HOME_CURRENCY, round2, SUPPORTED_CURRENCIES } from './money';

/** Largest order total accepted, in the order's currency. */
export const ORDER_LIMIT = 10_000;

export { ORDER_STATUSES, orderState } from '../state/schemas';

export type OrderStatus = (typeof ORDER_STATUSES)[number];

export type OrderState = Type.Static<typeof orderState>;

/** The events the orders service writes (its decisions). */
export type OrderDecision = EventOf<'OrderValidated' | 'OrderRejected' | 'OrderConfirmed' | 'OrderCancelled'>;

export const orderTotal = (request: OrderRequested): number =>
  round2(request.items.reduce((sum, line) => sum + line.quantity * line.unitPrice, 0));

/** Why an order cannot be accepted; empty when it can. */
export const rejectionReasons = (request: OrderRequested): string[] => {
  const currency = request.currency ?? HOME_CURRENCY;
  const total = orderTotal(request);
  const reasons: string[] = [];
  if (!SUPPORTED_CURRENCIES.has(currency))
    reasons.push(`currency ${currency} is not supported (${[...SUPPORTED_CURRENCIES].join(', ')})`);
  if (total <= 0) reasons.push('the order total is 0');
  if (total > ORDER_LIMIT) reasons.push(`total ${total.toFixed(2)} exceeds the limit of ${ORDER_LIMIT}`);
  for (const line of request.items)
    if (line.sku.startsWith('discontinued-')) reasons.push(`${line.sku} is discontinued`);
  return reasons;
};

/** decide: what the orders service emits in reaction to an event, given the order's current state. */
export const decide = (state: OrderState | undefined, event: FlowEvent): OrderDecision[] => {
  switch (event.type) {
    case 'OrderRequested': {
      if (state) return [];
      const { orderId, customerId, paymentToken } = event.data;
      const reasons = rejectionReasons(event.data);
      if (reasons.length > 0) return [{ type: 'OrderRejected', data: { orderId, customerId, reasons } }];
      const data = {
        orderId,
        customerId,
        amount: orderTotal(event.data),
        currency: event.data.currency ?? HOME_CURRENCY,
        ...(paymentToken === undefined ? {} : { paymentToken }),
      };
      return [{ type: 'OrderValidated', data }];
    }
    case 'PaymentProcessed': {
      if (state?.status !== 'VALIDATED') return [];
      const { amount, currency, homeAmount, homeCurrency } = event.data;
      const data = {
        orderId: state.orderId,
        customerId: state.customerId,
        amount,
        currency,
        homeAmount,
        homeCurrency,
      };
      return [{ type: 'OrderConfirmed', data }];
    }
    case 'PaymentFailed': {
      if (state?.status !== 'VALIDATED') return [];
      const reason = `payment failed: ${event.data.reason}`;
      return [
        { type: 'OrderCancelled', data: { orderId: state.orderId, customerId: state.customerId, reason } },
      ];
    }
    default:
      return [];
  }
};

const moveTo = (state: OrderState, status: OrderStatus, at: string, detail?: string): OrderState =>
  state.status === status
    ? state
    : {
        ...state,
        status,
        history: [...state.history, { status, at, ...(detail === undefined ? {} : { detail }) }],
      };

/** evolve: the order after an event (consumed or emitted); events about unknown orders change nothing. */
export const evolve = (
  state: OrderState | undefined,
  event: FlowEvent,
  at: string,
): OrderState | undefined => {
  if (event.type === 'OrderRequested') {
    if (state) return state;
    const { orderId, customerId, paymentToken } = event.data;
    return {
      orderId,
      customerId,
      currency: event.data.currency ?? HOME_CURRENCY,
      total: orderTotal(event.data),
      status: 'REQUESTED',
      history: [{ status: 'REQUESTED', at }],
      ...(paymentToken === undefined ? {} : { paymentToken }),
    };
  }
  if (!state) return undefined;
  switch (event.type) {
    case 'OrderValidated':
      return moveTo(state, 'VALIDATED', at);
    case 'OrderRejected':
      return moveTo(state, 'REJECTED', at, event.data.reasons.join('; '));
    case 'PaymentProcessed': {
      // A payment outcome settles only an order awaiting payment, as in `decide`: a late or repeated
      // one about a rejected, confirmed or cancelled order changes nothing.
      if (state.status !== 'VALIDATED') return state;
      const { amount, currency, homeAmount, homeCurrency, chargeId } = event.data;
      const converted = currency === homeCurrency ? '' : ` = ${homeAmount.toFixed(2)} ${homeCurrency}`;
      return {
        ...moveTo(state, 'PAID', at, `charge ${chargeId}: ${amount.toFixed(2)} ${currency}${converted}`),
        homeAmount,
        homeCurrency,
      };
    }
    case 'PaymentFailed':
      if (state.status !== 'VALIDATED') return state;
      return moveTo(
        state,
        'PAYMENT_FAILED',
        at,
        [event.data.reason, event.data.detail].filter(Boolean).join(': '),
      );
    case 'OrderConfirmed':
      return moveTo(state, 'CONFIRMED', at);
    case 'OrderCancelled':
      return moveTo(state, 'CANCELLED', at, event.data.reason);
    case 'OrderShipped':
      return moveTo(state, 'SHIPPED', at, `${event.data.carrier} ${event.data.trackingId}`);
    case 'OrderDelivered':
      return moveTo(state, 'DELIVERED', at);
  }
};

/**
 * One step of the orders service: decide what to emit, then fold the consumed event and the emitted
 * ones into the state, so the stored order always matches what the log says about it.
 */
export const react = (
  state: OrderState | undefined,
  event: FlowEvent,
  at: string,
): { state: OrderState | undefined; emits: OrderDecision[] } => {
  const emits = decide(state, event);
  const next = [event, ...emits].reduce<OrderState | undefined>((s, e) => evolve(s, e, at), state);
  return { state: next, emits };
};

/** Final statuses: nothing more happens to an order once it reaches one. */
export const FINAL_STATUSES: ReadonlySet<OrderStatus> = new Set(['REJECTED', 'CANCELLED', 'DELIVERED']);
