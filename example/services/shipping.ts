import { declareService, itemChecks } from '../../shared/consumer';
import { catalog } from '../catalog';
import { deliver, ship } from '../domain/shipping';
import { clearErasure, isErased, markErased } from '../state/erasure';
import { now, readState, toItem } from '../state/items';
import { appendToIndex, forgetUser } from '../state/user-index';

const items = itemChecks(catalog, 'shipping');
/** The `shipping` service: ships confirmed orders, and its stub carrier reports them delivered. */
export const shipping = declareService(catalog, 'shipping', {
  on: {
    OrderConfirmed: async (event, ctx) => {
      const { orderId, customerId } = event.data;
      // A confirmation still on the orders topic when the customer's `UserDeleted` came: nothing ships.
      // The orders service deleted that order too, so nothing there waits for this shipment.
      if (await isErased(ctx, 'customers', customerId)) return;
      const shipped = ship(await readState(ctx, items.of('shipments'), orderId), event.data, now());
      if (!shipped) return;
      ctx.put('shipments', toItem(orderId, shipped.state));
      appendToIndex(ctx, 'customers', customerId, orderId);
      ctx.emit(shipped.emit.type, shipped.emit.data);
    },
    /** The stub carrier: shipping reads its own `OrderShipped` back and reports the parcel delivered. */
    OrderShipped: async (event, ctx) => {
      const { orderId } = event.data;
      const delivered = deliver(await readState(ctx, items.of('shipments'), orderId), now());
      if (!delivered) return;
      ctx.put('shipments', toItem(orderId, delivered.state));
      ctx.emit(delivered.emit.type, delivered.emit.data);
    },
    /** Shipments name their customer: a deleted user's shipments and index go, and a marker stays. */
    UserDeleted: async (event, ctx) => {
      await forgetUser(ctx, items.of('customers'), 'shipments', event.data.userId);
      markErased(ctx, 'customers', event.data.userId, now());
    },
    /** A user may come back under an erased id: their orders ship again. */
    UserSignedUp: async (event, ctx) => {
      await clearErasure(ctx, 'customers', event.data.userId);
    },
  },
});
