import { z } from 'zod';
import type { OrderDelivered } from './events';

/** A user as the notifications service materializes it: the latest `UserSignedUp` data. */
const recipient = z.object({ userId: z.string(), name: z.string(), email: z.string() });
export type Recipient = z.infer<typeof recipient>;

/** The recipient in a looked-up user (what `ctx.lookup` returns), if any. */
export const recipientOf = (data: unknown): Recipient | undefined => {
  const parsed = recipient.safeParse(data);
  return parsed.success ? parsed.data : undefined;
};

export const notificationState = z.object({
  orderId: z.string(),
  userId: z.string(),
  to: z.string(),
  text: z.string(),
  at: z.string(),
});
export type NotificationState = z.infer<typeof notificationState>;

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
