import { defineConsumer, type EventHandler } from '../../shared/consumer';
import { catalog } from '../catalog';

interface OrderRequested {
  readonly orderId: string;
  readonly customerId: string;
  readonly currency?: string;
  readonly items: readonly { sku: string; quantity: number; unitPrice: number }[];
}

/** Pure: the order item a request creates. */
export const orderFromRequest = (data: OrderRequested, at: string) => ({
  pk: data.orderId,
  customerId: data.customerId,
  currency: data.currency ?? 'EUR',
  total: data.items.reduce((sum, i) => sum + i.quantity * i.unitPrice, 0),
  status: 'REQUESTED',
  history: [{ status: 'REQUESTED', at }],
});

const onOrderRequested: EventHandler<OrderRequested> = async (event, ctx) => {
  // A second request for an order that exists is a fact we keep, not an overwrite.
  if (await ctx.get('orders', event.data.orderId)) return;
  ctx.put('orders', orderFromRequest(event.data, event.time));
};

/** Lambda entry of the `orders` service (one function per subscribed topic, same code). */
export const handler = defineConsumer({
  catalog,
  service: 'orders',
  handlers: { OrderRequested: onOrderRequested as EventHandler },
});
