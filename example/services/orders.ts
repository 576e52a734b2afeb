import { defineConsumer, type EventHandler } from '../../shared/consumer';
import { catalog } from '../catalog';
import type { UserDeleted, UserSignedUp } from '../domain/events';
import { orderState, react } from '../domain/order';
import { asFlowEvent, now, readState, toItem } from '../state/items';
import { appendToIndex, forgetUser } from '../state/user-index';

/** Validates requests, confirms or cancels after payment, and follows shipping: see `domain/order.ts`. */
const onOrderFlow: EventHandler = async (event, ctx) => {
  const flow = asFlowEvent(event);
  const orderId = flow.data.orderId;
  const before = await readState(ctx, 'orders', orderId, orderState);
  const { state, emits } = react(before, flow, now());
  for (const emitted of emits) ctx.emit(emitted.type, emitted.data);
  if (!state || state === before) return;
  ctx.put('orders', toItem(orderId, state));
  if (!before) appendToIndex(ctx, 'customers', state.customerId, orderId);
};

/** The customer's profile lives next to the index of their orders (`customers`, pk = userId). */
const onUserSignedUp: EventHandler<UserSignedUp> = (event, ctx) => {
  const { userId, name, email } = event.data;
  ctx.update('customers', userId, {
    updateExpression:
      'SET #name = :name, email = :email, signedUpAt = :at, #ids = if_not_exists(#ids, :none)',
    names: { '#name': 'name', '#ids': 'ids' },
    values: { ':name': name, ':email': email, ':at': now(), ':none': [] },
  });
};

/** Forgets the user: their orders and their customer record. Later events about those orders find nothing. */
const onUserDeleted: EventHandler<UserDeleted> = async (event, ctx) => {
  await forgetUser(ctx, 'customers', 'orders', event.data.userId);
};

/** Lambda entry of the `orders` service (one function per subscribed topic, same code). */
export const handler = defineConsumer({
  catalog,
  service: 'orders',
  handlers: {
    OrderRequested: onOrderFlow,
    PaymentProcessed: onOrderFlow,
    PaymentFailed: onOrderFlow,
    OrderShipped: onOrderFlow,
    OrderDelivered: onOrderFlow,
    UserSignedUp: onUserSignedUp as EventHandler,
    UserDeleted: onUserDeleted as EventHandler,
  },
});
