import type { OrderStatus } from './order';

/**
 * The status each decision of the orders service brings an order to. Analytics counts, per status,
 * how many orders reached it: decisions made, which later events never unmake. A confirmed order
 * still counts as validated, a shipped one as confirmed, and erasing a user's data (UserDeleted) takes
 * no decision back. An erased order's id requested again (by a customer not erased: the orders service
 * drops an erased one's requests, example/state/erasure.ts) is a new order to the orders service, decided
 * and counted anew. So every counter is a fact of the log, one `add` per decision, with no per-order
 * item and no read: exact as long as each decision is applied once (docs/consumer-runtime.md, "The
 * example's analytics since 2026-11-28", names the runtime's known gaps that this inherits).
 */
export const REACHED = {
  OrderValidated: 'VALIDATED',
  OrderRejected: 'REJECTED',
  OrderConfirmed: 'CONFIRMED',
  OrderCancelled: 'CANCELLED',
} as const satisfies Readonly<Record<string, OrderStatus>>;

/** The event types analytics counts: the orders service's decisions. */
export type CountedType = keyof typeof REACHED;

/** The statuses `GET /stats/orders` reports: every status a decision reaches. */
export const COUNTED_STATUSES: readonly OrderStatus[] = Object.values(REACHED);

/**
 * The `counts` item of a status. Prefixed: the counters of the current-status design, which a stack
 * deployed before 2026-11-28 still holds under the bare status, must not mix with these.
 */
export const countKey = (status: OrderStatus): string => `reached#${status}`;
