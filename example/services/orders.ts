import { declareService, itemChecks, type ServiceHandler } from '../../shared/consumer';
import { catalog } from '../catalog';
import { react } from '../domain/order';
import { clearErasure, isErased, markErased } from '../state/erasure';
import { now, readState, toItem } from '../state/items';
import { appendToIndex, forgetUser } from '../state/user-index';

const items = itemChecks(catalog, 'orders');

type FlowHandler = ServiceHandler<
  typeof catalog,
  'orders',
  'OrderRequested' | 'PaymentProcessed' | 'PaymentFailed' | 'OrderShipped' | 'OrderDelivered'
>;

/** Validates requests, confirms or cancels after payment, and follows shipping: see `domain/order.ts`. */
const onOrderFlow: FlowHandler = async (event, ctx) => {
  const orderId = event.data.orderId;
  const before = await readState(ctx, items.of('orders'), orderId);
  const { state, emits } = react(before, event, now());
  for (const emitted of emits) ctx.emit(emitted.type, emitted.data);
  if (!state || state === before) return;
  ctx.put('orders', toItem(orderId, state));
  if (!before) appendToIndex(ctx, 'customers', state.customerId, orderId);
};

/** A request of an erased customer, still on the orders topic when their `UserDeleted` came: dropped. */
const onOrderRequested: ServiceHandler<typeof catalog, 'orders', 'OrderRequested'> = async (event, ctx) => {
  if (await isErased(ctx, 'customers', event.data.customerId)) return;
  await onOrderFlow(event, ctx);
};

/**
 * The `orders` service: one function per subscribed topic, same code. The customer's profile lives
 * next to the index of their orders (`customers`, pk = userId); a deleted user's orders and profile go,
 * later events about those orders find nothing, and an erasure marker (`state/erasure.ts`) drops their
 * requests still in flight until the same id signs up again.
 */
export const orders = declareService(catalog, 'orders', {
  on: {
    OrderRequested: onOrderRequested,
    PaymentProcessed: onOrderFlow,
    PaymentFailed: onOrderFlow,
    OrderShipped: onOrderFlow,
    OrderDelivered: onOrderFlow,
    UserSignedUp: async (event, ctx) => {
      const { userId, name, email } = event.data;
      await clearErasure(ctx, 'customers', userId);
      ctx.update('customers', userId, { set: { name, email, signedUpAt: now() }, setIfAbsent: { ids: [] } });
    },
    UserDeleted: async (event, ctx) => {
      await forgetUser(ctx, items.of('customers'), 'orders', event.data.userId);
      markErased(ctx, 'customers', event.data.userId, now());
    },
  },
});
