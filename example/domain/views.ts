import * as Type from 'typebox';
import { userView } from '../../shared/consumer';
import { parseState } from '../state/parse';
import { COUNTED_STATUSES, countKey } from './analytics';
import { orderState } from './order';

/**
 * A state item as a direct read of its table returns it. Each view reads it through `userView`: no
 * `spine:*` attribute (the runtime's position fences) reaches a response, and a tombstone (a deleted
 * item, swept after a grace) reads as absent.
 */
type RawItem = Record<string, unknown> | undefined;

/**
 * The read model of `GET /orders/{orderId}`: status, amounts and history. The payment token stays
 * inside the service. Undefined for a missing, deleted or unreadable item.
 */
export const orderView = (item: RawItem) => {
  const parsed = parseState(orderState, userView(item));
  if (!parsed) return undefined;
  const { paymentToken: _token, ...view } = parsed;
  return view;
};

/** A rates-table item as the runtime materializes it: the latest `ExchangeRateSet` data under `value`, with its event time. */
const materializedRate = Type.Object({
  value: Type.Object({ pair: Type.String(), rate: Type.Number(), asOf: Type.Optional(Type.String()) }),
  time: Type.String(),
});

/** The read model of `GET /rates/{pair}`, or undefined for a missing or unreadable item. */
export const rateView = (item: RawItem) => {
  const parsed = parseState(materializedRate, userView(item));
  if (!parsed) return undefined;
  const { pair, rate, asOf } = parsed.value;
  return { pair, rate, asOf: asOf ?? parsed.time };
};

const countItem = Type.Object({ pk: Type.String(), count: Type.Number() });

/** The read model of `GET /stats/orders`: how many orders reached each counted status, 0 when none. */
export const countsView = (items: readonly RawItem[]) => {
  const counts: Record<string, number> = Object.fromEntries(COUNTED_STATUSES.map((s) => [s, 0]));
  const statusOf = new Map(COUNTED_STATUSES.map((s) => [countKey(s), s]));
  for (const item of items) {
    const parsed = parseState(countItem, userView(item));
    const status = parsed && statusOf.get(parsed.pk);
    if (parsed && status) counts[status] = parsed.count;
  }
  return { counts };
};
