import { defineConsumer, type EventHandler } from '../../shared/consumer';
import { catalog } from '../lib/catalog';
import { type OrderData, stateItem } from '../lib/workload';

/** The Spine consumer of the bench workload as a service ships it: config from the environment. */
const onRequested: EventHandler<OrderData> = (event, ctx) => {
  ctx.put('orders', stateItem(event.data));
};

export const handler = defineConsumer({
  catalog,
  service: 'orders',
  handlers: { OrderRequested: onRequested as EventHandler },
});
