import { declareService, itemChecks, type ServiceHandler } from '../../shared/consumer';
import { catalog } from '../catalog';
import { type CountedType, countChanges } from '../domain/analytics';
import { analyticsFailing, FAULT_ENV } from '../faults';
import { readState } from '../state/items';

const orderStatus = itemChecks(catalog, 'analytics').of('order-status');

/** Keeps each order's last status and a counter per status; no user data. One handler, five types. */
const onOrderEvent: ServiceHandler<typeof catalog, 'analytics', CountedType> = async (event, ctx) => {
  if (analyticsFailing()) throw new Error(`analytics is switched to fail (${FAULT_ENV.analyticsFail}=1)`);
  const { orderId } = event.data;
  const previous = await readState(ctx, orderStatus, orderId);
  const change = countChanges(previous?.status, event.type);
  if (!change) return;
  ctx.put('order-status', { pk: orderId, status: change.next });
  for (const { status, delta } of change.deltas) ctx.update('counts', status, { add: { count: delta } });
};

/**
 * Counts provider charges per outcome from the captured ledger (topic `charges`). Version 1 is the
 * charge itself; later versions are replays of the same charge and count nothing.
 */
const onCharge: ServiceHandler<typeof catalog, 'analytics', 'ChargeRecorded'> = (event, ctx) => {
  if (event.data.version !== 1) return;
  ctx.update('counts', `charges-${event.data.result.status}`, { add: { count: 1 } });
};

/** The `analytics` service: a second, independent consumer of the orders topic. */
export const analytics = declareService(catalog, 'analytics', {
  on: {
    OrderRequested: onOrderEvent,
    OrderValidated: onOrderEvent,
    OrderRejected: onOrderEvent,
    OrderConfirmed: onOrderEvent,
    OrderCancelled: onOrderEvent,
    ChargeRecorded: onCharge,
  },
});
