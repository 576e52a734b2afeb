import type * as Type from 'typebox';
import type { notificationState } from '../state/schemas';
import type { DataOf, OrderDelivered } from './events';

/** A user as the notifications service materializes it: the latest `UserSignedUp` data (`ctx.lookup('users', …)`). */
export type Recipient = DataOf<'UserSignedUp'>;

export { notificationState } from '../state/schemas';
export type NotificationState = Type.Static<typeof notificationState>;

/**
 * decide: one notification per delivered order, stating what was paid in the home currency. Nothing
 * for an order already notified, or for a user the service does not know (never signed up, or deleted).
 */
export const notify = (
  existing: NotificationState | undefined,
  recipient: Recipient | undefined,
  delivered: OrderDelivered,
  at: string,
): NotificationState | undefined => {
  if (existing || !recipient) return undefined;
  const paid = `${delivered.homeAmount.toFixed(2)} ${delivered.homeCurrency}`;
  return {
    orderId: delivered.orderId,
    userId: recipient.userId,
    to: recipient.email,
    text: `Hi ${recipient.name}, your order ${delivered.orderId} was delivered. You paid ${paid}.`,
    at,
  };
};
