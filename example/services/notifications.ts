import { defineConsumer, type EventHandler } from '../../shared/consumer';
import { catalog } from '../catalog';
import type { OrderDelivered, UserDeleted } from '../domain/events';
import { notificationState, notify, recipientOf } from '../domain/notification';
import { now, readState, toItem } from '../state/items';
import { appendToIndex, forgetUser } from '../state/user-index';

const onOrderDelivered: EventHandler<OrderDelivered> = async (event, ctx) => {
  const { orderId, customerId } = event.data;
  // maxAgeMs 0: never address a user from a cached record that a deletion already removed.
  const recipient = recipientOf(await ctx.lookup('users', customerId, { maxAgeMs: 0 }));
  const existing = await readState(ctx, 'notifications', orderId, notificationState);
  const notification = notify(existing, recipient, event.data, now());
  if (!notification) return;
  ctx.put('notifications', toItem(orderId, notification));
  appendToIndex(ctx, 'user-notifications', notification.userId, orderId);
};

/** The `users` table is a table subscription: the runtime deletes the user on this tombstone. */
const onUserDeleted: EventHandler<UserDeleted> = async (event, ctx) => {
  await forgetUser(ctx, 'user-notifications', 'notifications', event.data.userId);
};

/** Lambda entry of the `notifications` service. */
export const handler = defineConsumer({
  catalog,
  service: 'notifications',
  handlers: { OrderDelivered: onOrderDelivered as EventHandler, UserDeleted: onUserDeleted as EventHandler },
});
