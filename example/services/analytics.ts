import { z } from 'zod';
import { defineConsumer, type EventHandler } from '../../shared/consumer';
import { catalog } from '../catalog';
import { countChanges, STATUS_BY_EVENT } from '../domain/analytics';
import { ORDER_STATUSES } from '../domain/order';
import { analyticsFailing, FAULT_ENV } from '../faults';
import { readState } from '../state/items';

const lastStatus = z.object({ status: z.enum(ORDER_STATUSES) });

/** Keeps each order's last status and a counter per status; no user data. */
const onOrderEvent: EventHandler<{ orderId: string }> = async (event, ctx) => {
  if (analyticsFailing()) throw new Error(`analytics is switched to fail (${FAULT_ENV.analyticsFail}=1)`);
  const { orderId } = event.data;
  const previous = await readState(ctx, 'order-status', orderId, lastStatus);
  const change = countChanges(previous?.status, event.type);
  if (!change) return;
  ctx.put('order-status', { pk: orderId, status: change.next });
  for (const { status, delta } of change.deltas)
    ctx.update('counts', status, {
      updateExpression: 'ADD #count :delta',
      names: { '#count': 'count' },
      values: { ':delta': delta },
    });
};

/**
 * Counts provider charges per outcome from the captured ledger (topic `charges`). Version 1 is the
 * charge itself; later versions are replays of the same charge and count nothing.
 */
const onCharge: EventHandler<{ version: number; result: { status: string } }> = async (event, ctx) => {
  if (event.data.version !== 1) return;
  ctx.update('counts', `charges-${event.data.result.status}`, {
    updateExpression: 'ADD #count :one',
    names: { '#count': 'count' },
    values: { ':one': 1 },
  });
};

/** Lambda entry of the `analytics` service. */
export const handler = defineConsumer({
  catalog,
  service: 'analytics',
  handlers: {
    ...Object.fromEntries(Object.keys(STATUS_BY_EVENT).map((type) => [type, onOrderEvent as EventHandler])),
    ChargeRecorded: onCharge as EventHandler,
  },
});
