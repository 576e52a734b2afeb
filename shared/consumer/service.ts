import { type Catalog, type ServiceName, serviceByName } from '../catalog';
import { type ConsumerOptions, defineConsumer, type KinesisHandler } from './define';
import { ServiceDefinitionError } from './errors';
import type { ServiceHandlers } from './service-types';
import type { EventHandler } from './types';

/** What a service declares besides its catalog entry: one handler per consumed event type it acts on. */
export interface ServiceDefinition<C extends Catalog, N> {
  readonly on: ServiceHandlers<C, N>;
}

/**
 * The one place where the runtime's validation becomes a static type. Each value of `on` is a
 * `ServiceHandler` of its key's type (the compiler checked that; `Object.entries` forgets it).
 * `processBatch` validated `event.data` against the catalog schema of `event.type` at `event.version`
 * before any handler runs, and `defineConsumer` calls a handler only for its own key; the context is the
 * runtime's, whose methods accept every name the narrowed ones do.
 */
// biome-ignore lint/complexity/noBannedTypes: `typeof x === 'function'` narrows to Function, the cast's only input.
const trusted = (handle: Function): EventHandler => handle as EventHandler;

/**
 * Wraps a service's handlers as the Lambda handler of its Kinesis event source mappings, typed by the
 * catalog: handler keys are the event types the service consumes, `event.data` is each type's data
 * (a union over versions, narrowed by `event.version`), `ctx.emit` takes only the types the service
 * writes with their data, `ctx.get/put/update/delete` only its own tables and `ctx.lookup` only its
 * table subscriptions. At cold start it also refuses what the types cannot see (a catalog typed only as
 * `Catalog`, or keys forced past the compiler): a handler for a type the service never receives.
 *
 * @example
 * export const handler = defineService(catalog, 'orders', {
 *   on: { OrderRequested: async (event, ctx) => ctx.put('orders', { pk: event.data.orderId }) },
 * });
 */
export const defineService = <C extends Catalog, const N extends ServiceName<C>>(
  catalog: C,
  service: N,
  definition: ServiceDefinition<C, N>,
  options?: ConsumerOptions,
): KinesisHandler => {
  const spec = serviceByName(catalog, service);
  if (!spec) throw new ServiceDefinitionError(service, `service "${service}" is not in the catalog`);
  const topics = new Set(spec.subscriptions.map((s) => s.topic));
  const consumed = new Set(catalog.eventTypes.filter((e) => topics.has(e.topic)).map((e) => e.type));
  const handlers: Record<string, EventHandler> = {};
  const entries: [string, unknown][] = Object.entries(definition.on);
  for (const [type, handle] of entries) {
    if (typeof handle !== 'function') continue;
    if (!consumed.has(type))
      throw new ServiceDefinitionError(
        service,
        `handler for "${type}", which is on none of its topics (${[...topics].join(', ') || 'none'}); it receives: ${[...consumed].sort().join(', ') || '(nothing)'}`,
      );
    handlers[type] = trusted(handle);
  }
  return defineConsumer({ catalog, service, handlers }, options);
};
