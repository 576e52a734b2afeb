import type { EventData, SpecOf } from '../../shared/catalog';
import type { catalog } from '../catalog';

/**
 * The `data` of the example's events, derived from the catalog's TypeBox schemas: nothing here is
 * declared twice. The runtime validated every consumed event against its schema, so handlers and the
 * decide/evolve functions may trust these shapes.
 */
type TypeSpec = SpecOf<typeof catalog>['eventTypes'][number];

/** Names of the example's event types. */
export type EventType = TypeSpec['type'];

/** The `data` of event type `T`: a union over its versions. */
export type DataOf<T extends EventType> = EventData<Extract<TypeSpec, { readonly type: T }>>;

/** An event of one of the types `T`, as decide/evolve functions take and return it. */
export type EventOf<T extends EventType> = { [K in T]: { readonly type: K; readonly data: DataOf<K> } }[T];

export type OrderRequested = DataOf<'OrderRequested'>;
export type OrderValidated = DataOf<'OrderValidated'>;
export type OrderConfirmed = DataOf<'OrderConfirmed'>;
export type OrderDelivered = DataOf<'OrderDelivered'>;

/** The event types of the order flow (orders, payments and shipments topics). */
export type FlowType =
  | 'OrderRequested'
  | 'OrderValidated'
  | 'OrderRejected'
  | 'OrderConfirmed'
  | 'OrderCancelled'
  | 'PaymentProcessed'
  | 'PaymentFailed'
  | 'OrderShipped'
  | 'OrderDelivered';

export type FlowEvent = EventOf<FlowType>;
