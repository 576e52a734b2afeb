import { defineConsumer, type EventHandler } from '../../shared/consumer';
import { catalog } from '../catalog';
import type { OrderConfirmed, UserDeleted } from '../domain/events';
import { deliver, ship, shipmentState } from '../domain/shipping';
import { now, readState, toItem } from '../state/items';
import { appendToIndex, forgetUser } from '../state/user-index';

const onOrderConfirmed: EventHandler<OrderConfirmed> = async (event, ctx) => {
  const { orderId, customerId } = event.data;
  const shipped = ship(await readState(ctx, 'shipments', orderId, shipmentState), event.data, now());
  if (!shipped) return;
  ctx.put('shipments', toItem(orderId, shipped.state));
  appendToIndex(ctx, 'customers', customerId, orderId);
  ctx.emit(shipped.emit.type, shipped.emit.data);
};

/** The stub carrier: shipping reads its own `OrderShipped` back and reports the parcel delivered. */
const onOrderShipped: EventHandler<{ orderId: string }> = async (event, ctx) => {
  const { orderId } = event.data;
  const delivered = deliver(await readState(ctx, 'shipments', orderId, shipmentState), now());
  if (!delivered) return;
  ctx.put('shipments', toItem(orderId, delivered.state));
  ctx.emit(delivered.emit.type, delivered.emit.data);
};

/** Shipments name their customer: a deleted user's shipments and index go. */
const onUserDeleted: EventHandler<UserDeleted> = async (event, ctx) => {
  await forgetUser(ctx, 'customers', 'shipments', event.data.userId);
};

/** Lambda entry of the `shipping` service. */
export const handler = defineConsumer({
  catalog,
  service: 'shipping',
  handlers: {
    OrderConfirmed: onOrderConfirmed as EventHandler,
    OrderShipped: onOrderShipped as EventHandler,
    UserDeleted: onUserDeleted as EventHandler,
  },
});
