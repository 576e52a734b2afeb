import type { OrderStatus } from './order';

/** The statuses the orders topic tells about (payments and shipping facts live on other topics). */
export const STATUS_BY_EVENT = {
  OrderRequested: 'REQUESTED',
  OrderValidated: 'VALIDATED',
  OrderRejected: 'REJECTED',
  OrderConfirmed: 'CONFIRMED',
  OrderCancelled: 'CANCELLED',
} as const satisfies Readonly<Record<string, OrderStatus>>;

/** The event types analytics counts. */
export type CountedType = keyof typeof STATUS_BY_EVENT;

const STATUS_OF: ReadonlyMap<string, OrderStatus> = new Map(Object.entries(STATUS_BY_EVENT));

export const COUNTED_STATUSES: readonly OrderStatus[] = [...new Set(Object.values(STATUS_BY_EVENT))];

/**
 * decide: how the per-status counts change when an order's last known status moves from `previous`
 * to the one `eventType` tells. An event that does not move the order changes nothing.
 */
export const countChanges = (
  previous: OrderStatus | undefined,
  eventType: string,
): { next: OrderStatus; deltas: { status: OrderStatus; delta: number }[] } | undefined => {
  const next = STATUS_OF.get(eventType);
  if (!next || next === previous) return undefined;
  return {
    next,
    deltas: [...(previous ? [{ status: previous, delta: -1 }] : []), { status: next, delta: 1 }],
  };
};
