import * as Type from 'typebox';

/**
 * The shapes of the example's state items, declared as the catalog's table `item` schemas: the
 * runtime checks stored items against them (`itemChecks`, validators generated at synth) and they type
 * each table in `ctx.get/put/update`. Open objects: an item also holds `pk` and may gain attributes
 * before its schema does. Kept apart from `domain/`, which imports types derived from the catalog.
 */

export const ORDER_STATUSES = [
  'REQUESTED',
  'VALIDATED',
  'REJECTED',
  'PAID',
  'PAYMENT_FAILED',
  'CONFIRMED',
  'CANCELLED',
  'SHIPPED',
  'DELIVERED',
] as const;

const status = Type.Enum(ORDER_STATUSES);

const historyEntry = Type.Object({
  status,
  at: Type.String(),
  detail: Type.Optional(Type.String()),
});

/** The orders service's state of one order: its `orders` table items (pk = orderId). */
export const orderState = Type.Object({
  orderId: Type.String(),
  customerId: Type.String(),
  currency: Type.String(),
  total: Type.Number(),
  status,
  history: Type.Array(historyEntry),
  paymentToken: Type.Optional(Type.String()),
  homeAmount: Type.Optional(Type.Number()),
  homeCurrency: Type.Optional(Type.String()),
});

/** The shipping service's record of one shipment (`shipments` table, pk = orderId). */
export const shipmentState = Type.Object({
  orderId: Type.String(),
  customerId: Type.String(),
  status: Type.Enum(['SHIPPED', 'DELIVERED']),
  carrier: Type.String(),
  trackingId: Type.String(),
  homeAmount: Type.Number(),
  homeCurrency: Type.String(),
  shippedAt: Type.String(),
  deliveredAt: Type.Optional(Type.String()),
});

/** One notification sent (`notifications` table, pk = orderId). */
export const notificationState = Type.Object({
  orderId: Type.String(),
  userId: Type.String(),
  to: Type.String(),
  text: Type.String(),
  at: Type.String(),
});

/** A user's index of the items a service holds about them (pk = userId): see `user-index.ts`. */
export const userIndex = Type.Object({ ids: Type.Optional(Type.Array(Type.String())) });

/** A customer as the orders and shipping services keep them: their profile and the index of their items. */
export const customer = Type.Object({
  ids: Type.Optional(Type.Array(Type.String())),
  name: Type.Optional(Type.String()),
  email: Type.Optional(Type.String()),
  signedUpAt: Type.Optional(Type.String()),
});

/**
 * A row of the payment provider stub's ledger (`provider-charges`, pk = idempotency key). The adapter
 * writes it outside the service's transaction and adds `version` and `replays`; CDC publishes it.
 */
export const storedCharge = Type.Object({
  pk: Type.String(),
  orderId: Type.String(),
  amount: Type.Number(),
  currency: Type.String(),
  at: Type.String(),
  result: Type.Union([
    Type.Object({ status: Type.Literal('succeeded'), chargeId: Type.String() }),
    Type.Object({ status: Type.Literal('declined'), reason: Type.String() }),
  ]),
});
