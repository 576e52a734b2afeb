import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { FlowEvent, OrderConfirmed } from './events';

export const CARRIER = 'spine-post';

/** The shipping service's record of one shipment (`shipments` table, pk = orderId). */
export const shipmentState = z.object({
  orderId: z.string(),
  customerId: z.string(),
  status: z.enum(['SHIPPED', 'DELIVERED']),
  carrier: z.string(),
  trackingId: z.string(),
  homeAmount: z.number(),
  homeCurrency: z.string(),
  shippedAt: z.string(),
  deliveredAt: z.string().optional(),
});
export type ShipmentState = z.infer<typeof shipmentState>;

/** Deterministic, so a redelivered confirmation produces the same parcel label. */
export const trackingIdOf = (orderId: string): string =>
  `SP${createHash('sha256').update(orderId).digest('hex').slice(0, 12).toUpperCase()}`;

/** decide: ship a confirmed order once. */
export const ship = (
  existing: ShipmentState | undefined,
  confirmed: OrderConfirmed,
  at: string,
): { state: ShipmentState; emit: FlowEvent } | undefined => {
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
): { state: ShipmentState; emit: FlowEvent } | undefined => {
  if (!existing || existing.status === 'DELIVERED') return undefined;
  const { orderId, customerId, homeAmount, homeCurrency } = existing;
  return {
    state: { ...existing, status: 'DELIVERED', deliveredAt: at },
    emit: { type: 'OrderDelivered', data: { orderId, customerId, homeAmount, homeCurrency } },
  };
};
