import { createHash } from 'node:crypto';
import type * as Type from 'typebox';
import type { shipmentState } from '../state/schemas';
import type { EventOf, OrderConfirmed } from './events';

export const CARRIER = 'spine-post';

export { shipmentState } from '../state/schemas';

export type ShipmentState = Type.Static<typeof shipmentState>;

/** Deterministic, so a redelivered confirmation produces the same parcel label. */
export const trackingIdOf = (orderId: string): string =>
  `SP${createHash('sha256').update(orderId).digest('hex').slice(0, 12).toUpperCase()}`;

/** decide: ship a confirmed order once. */
export const ship = (
  existing: ShipmentState | undefined,
  confirmed: OrderConfirmed,
  at: string,
): { state: ShipmentState; emit: EventOf<'OrderShipped'> } | undefined => {
  if (existing) return undefined;
  const { orderId, customerId, homeAmount, homeCurrency } = confirmed;
  const trackingId = trackingIdOf(orderId);
  return {
    state: {
      orderId,
      customerId,
      status: 'SHIPPED',
      carrier: CARRIER,
      trackingId,
      homeAmount,
      homeCurrency,
      shippedAt: at,
    },
    emit: { type: 'OrderShipped', data: { orderId, customerId, carrier: CARRIER, trackingId } },
  };
};

/**
 * decide: the carrier reports delivery of a shipped parcel (the stub carrier delivers at once, one hop
 * after shipping). A shipment that is gone (its customer was deleted) or already delivered yields nothing.
 */
export const deliver = (
  existing: ShipmentState | undefined,
  at: string,
): { state: ShipmentState; emit: EventOf<'OrderDelivered'> } | undefined => {
  if (!existing || existing.status === 'DELIVERED') return undefined;
  const { orderId, customerId, homeAmount, homeCurrency } = existing;
  return {
    state: { ...existing, status: 'DELIVERED', deliveredAt: at },
    emit: { type: 'OrderDelivered', data: { orderId, customerId, homeAmount, homeCurrency } },
  };
};
