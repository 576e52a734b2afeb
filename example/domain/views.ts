import * as Type from 'typebox';
import { parseState } from '../state/parse';
import { COUNTED_STATUSES } from './analytics';
import { orderState } from './order';

/**
 * The read model of `GET /orders/{orderId}`: status, amounts and history. The payment token stays
 * inside the service. Undefined for a missing or unreadable item.
 */
export const orderView = (item: unknown) => {
  const parsed = parseState(orderState, item);
  if (!parsed) return undefined;
  const { paymentToken: _token, ...view } = parsed;
  return view;
};

const countItem = Type.Object({ pk: Type.String(), count: Type.Number() });

/** The read model of `GET /stats/orders`: a count for every status analytics tracks, 0 when unseen. */
export const countsView = (items: readonly unknown[]) => {
  const counts: Record<string, number> = Object.fromEntries(COUNTED_STATUSES.map((s) => [s, 0]));
  for (const item of items) {
    const parsed = parseState(countItem, item);
    if (parsed && parsed.pk in counts) counts[parsed.pk] = parsed.count;
  }
  return { counts };
};
