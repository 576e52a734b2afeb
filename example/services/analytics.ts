import { declareService, type ServiceHandler } from '../../shared/consumer';
import { catalog } from '../catalog';
import { type CountedType, countKey, REACHED } from '../domain/analytics';
import { analyticsFailing, FAULT_ENV } from '../faults';

/**
 * Counts how many orders reached each status, one shared counter per status: a decision adds 1 to the
 * status it reaches (`REACHED`). No per-order item and no read, so a batch writes each counter once
 * whatever its size. One handler, four types.
 */
const onDecision: ServiceHandler<typeof catalog, 'analytics', CountedType> = (event, ctx) => {
  if (analyticsFailing()) throw new Error(`analytics is switched to fail (${FAULT_ENV.analyticsFail}=1)`);
  ctx.update('counts', countKey(REACHED[event.type]), { add: { count: 1 } });
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
    OrderValidated: onDecision,
    OrderRejected: onDecision,
    OrderConfirmed: onDecision,
    OrderCancelled: onDecision,
    ChargeRecorded: onCharge,
  },
});
