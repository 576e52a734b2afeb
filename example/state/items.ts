import type { z } from 'zod';
import type { ConsumedEvent, HandlerContext, StateItem } from '../../shared/consumer';
import type { FlowEvent, OrderFlowEvents } from '../domain/events';

/**
 * Reads an item and checks it against the shape the service writes. A stored item that does not match
 * is a bug (or a migration gap) worth failing loudly for: the event is retried, then parked.
 */
export const readState = async <T>(
  ctx: HandlerContext,
  table: string,
  pk: string,
  schema: z.ZodType<T>,
): Promise<T | undefined> => {
  const item = await ctx.get(table, pk);
  return item === undefined ? undefined : schema.parse(item);
};

export const toItem = (pk: string, state: object): StateItem => ({ ...state, pk });

const FLOW_TYPES = new Set<string>([
  'OrderRequested',
  'OrderValidated',
  'OrderRejected',
  'OrderConfirmed',
  'OrderCancelled',
  'PaymentProcessed',
  'PaymentFailed',
  'OrderShipped',
  'OrderDelivered',
] satisfies (keyof OrderFlowEvents)[]);

/**
 * The event as a typed order-flow event. The runtime validated `data` against the catalog schema of
 * `type` before the handler runs, and `domain/events.ts` mirrors those schemas: this is the one cast.
 */
export const asFlowEvent = (event: ConsumedEvent): FlowEvent => {
  if (!FLOW_TYPES.has(event.type)) throw new Error(`${event.type} is not an order-flow event`);
  return { type: event.type, data: event.data } as FlowEvent;
};

/** An ISO timestamp of when the service applied something (shown in histories and the demo timeline). */
export const now = (): string => new Date().toISOString();
