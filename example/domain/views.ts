import { z } from 'zod';
import { COUNTED_STATUSES } from './analytics';
import { orderState } from './order';

/**
 * The read model of `GET /orders/{orderId}`: status, amounts and history. The payment token stays
 * inside the service. Undefined for a missing or unreadable item.
 */
export const orderView = (item: unknown) => {
  const parsed = orderState.safeParse(item);
  if (!parsed.success) return undefined;
  const { paymentToken: _token, ...view } = parsed.data;
  return view;
};

const countItem = z.object({ pk: z.string(), count: z.number() });

/** The read model of `GET /stats/orders`: a count for every status analytics tracks, 0 when unseen. */
export const countsView = (items: readonly unknown[]) => {
  const counts: Record<string, number> = Object.fromEntries(COUNTED_STATUSES.map((s) => [s, 0]));
  for (const item of items) {
    const parsed = countItem.safeParse(item);
    if (parsed.success && parsed.data.pk in counts) counts[parsed.data.pk] = parsed.data.count;
  }
  return { counts };
};
