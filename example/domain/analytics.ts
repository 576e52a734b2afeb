import type { OrderStatus } from './order';

/**
 * How each decision of the orders service moves an order between the statuses analytics counts.
 * `decide` (./order.ts) makes each decision at most once per order, and only from the status named
 * in `from` (a confirmation or a cancellation only of a VALIDATED order; a validation or a rejection
 * only of a new one); Spine applies each event of the log once per subscription. So one counter per
 * status is exact without a per-order item: a decision adds 1 to the status it reaches and -1 to the
 * one it leaves (test/unit/example-analytics.test.ts replays flows through `decide` and holds the
 * counts to the orders' own statuses).
 */
export const MOVES = {
  OrderValidated: { to: 'VALIDATED' },
  OrderRejected: { to: 'REJECTED' },
  OrderConfirmed: { from: 'VALIDATED', to: 'CONFIRMED' },
  OrderCancelled: { from: 'VALIDATED', to: 'CANCELLED' },
} as const satisfies Readonly<Record<string, { readonly from?: OrderStatus; readonly to: OrderStatus }>>;

/** The event types analytics counts: the orders service's decisions. */
export type CountedType = keyof typeof MOVES;

/** The statuses `GET /stats/orders` reports: every status a decision reaches. */
export const COUNTED_STATUSES: readonly OrderStatus[] = [...new Set(Object.values(MOVES).map((m) => m.to))];

/** decide: how the per-status counts change when the orders service makes the decision `eventType`. */
export const countDeltas = (eventType: CountedType): { status: OrderStatus; delta: number }[] => {
  const move: { readonly from?: OrderStatus; readonly to: OrderStatus } = MOVES[eventType];
  return [...(move.from ? [{ status: move.from, delta: -1 }] : []), { status: move.to, delta: 1 }];
};
