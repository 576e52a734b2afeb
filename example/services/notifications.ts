import { declareService, itemChecks, lookupChecks } from '../../shared/consumer';
import { catalog } from '../catalog';
import { notify } from '../domain/notification';
import { now, readLookup, readState, toItem } from '../state/items';
import { appendToIndex, forgetUser } from '../state/user-index';

const items = itemChecks(catalog, 'notifications');
const users = lookupChecks(catalog, 'notifications').of('users');

/**
 * The `notifications` service: tells customers their order was delivered. The `users` table is a table
 * subscription: the runtime upserts each `UserSignedUp` and deletes the user on `UserDeleted` (a
 * tombstone) before the handler runs.
 */
export const notifications = declareService(catalog, 'notifications', {
  on: {
    OrderDelivered: async (event, ctx) => {
      const { orderId, customerId } = event.data;
      // maxAgeMs 0: never address a user from a cached record that a deletion already removed.
      const recipient = await readLookup(ctx, users, customerId, { maxAgeMs: 0 });
      const existing = await readState(ctx, items.of('notifications'), orderId);
      const notification = notify(existing, recipient, event.data, now());
      if (!notification) return;
      ctx.put('notifications', toItem(orderId, notification));
      appendToIndex(ctx, 'user-notifications', notification.userId, orderId);
    },
    UserDeleted: async (event, ctx) => {
      await forgetUser(ctx, items.of('user-notifications'), 'notifications', event.data.userId);
    },
  },
});
