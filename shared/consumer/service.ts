import { type Catalog, eventType, type ServiceName, serviceByName } from '../catalog';
import { type ConsumerOptions, defineConsumer, type KinesisHandler } from './define';
import { ServiceDefinitionError } from './errors';
import { schemaRegistryOf } from './schema-registries';
import type { ServiceHandlers } from './service-types';
import type { EventHandler } from './types';
import { latestOnly } from './upcasting';

/** What a service declares besides its catalog entry: one handler per consumed event type it acts on. */
export interface ServiceDefinition<C extends Catalog, N> {
  readonly on: ServiceHandlers<C, N>;
}

/**
 * A service's typed handlers bound to its catalog entry, without the Lambda wiring: `defineService`
 * turns it into the Lambda handler, `spine/testing` runs it against the memory store. Building one reads
 * no environment and opens no client, so a test can import the module that declares it.
 */
export interface DeclaredService<C extends Catalog, N extends string> extends ServiceDefinition<C, N> {
  readonly catalog: C;
  readonly service: N;
}

/**
 * Declares service `N`'s handlers against the catalog, typed as `defineService` types them (handler keys,
 * `event.data` per version, `ctx.emit`, tables, lookups), and checks at once what the types cannot see.
 *
 * @example
 * export const orders = declareService(catalog, 'orders', {
 *   on: { OrderRequested: async (event, ctx) => ctx.put('orders', { pk: event.data.orderId }) },
 * });
 * // the Lambda entry: export const handler = defineService(orders);
 */
export const declareService = <C extends Catalog, const N extends ServiceName<C> & string>(
  catalog: C,
  service: N,
  definition: ServiceDefinition<C, N>,
): DeclaredService<C, N> => {
  handlersOf(catalog, service, definition);
  return { catalog, service, on: definition.on };
};

/**
 * The one place where the runtime's validation becomes a static type. Each value of `on` is a
 * `ServiceHandler` of its key's type (the compiler checked that; `Object.entries` forgets it).
 * `processBatch` validated `event.data` against the catalog schema of `event.type` at `event.version`
 * before any handler runs (and `latestOnly` converted and re-validated older versions of types with
 * upcasters), and `defineConsumer` calls a handler only for its own key; the context is the runtime's,
 * whose methods accept every name the narrowed ones do.
 */
// biome-ignore lint/complexity/noBannedTypes: `typeof x === 'function'` narrows to Function, the cast's only input.
const trusted = (handle: Function): EventHandler => handle as EventHandler;

/** The runtime handlers of a definition, refusing what the types cannot see (a widened catalog). */
const handlersOf = (
  catalog: Catalog,
  service: string,
  definition: { readonly on: object },
): Record<string, EventHandler> => {
  const spec = serviceByName(catalog, service);
  if (!spec) throw new ServiceDefinitionError(service, `service "${service}" is not in the catalog`);
  const topics = new Set(spec.subscriptions.map((s) => s.topic));
  const consumed = new Set(catalog.eventTypes.filter((e) => topics.has(e.topic)).map((e) => e.type));
  const registryOf = () => schemaRegistryOf(catalog, service);
  const handlers: Record<string, EventHandler> = {};
  const entries: [string, unknown][] = Object.entries(definition.on);
  for (const [type, handle] of entries) {
    if (typeof handle !== 'function') continue;
    if (!consumed.has(type))
      throw new ServiceDefinitionError(
        service,
        `handler for "${type}", which is on none of its topics (${[...topics].join(', ') || 'none'}); it receives: ${[...consumed].sort().join(', ') || '(nothing)'}`,
      );
    const typeSpec = eventType(catalog, type);
    const upcasters = typeSpec?.upcasters;
    handlers[type] =
      typeSpec && upcasters ? latestOnly(typeSpec, upcasters, trusted(handle), registryOf) : trusted(handle);
  }
  return handlers;
};

/**
 * Wraps a service's handlers as the Lambda handler of its Kinesis event source mappings, typed by the
 * catalog: handler keys are the event types the service consumes, `event.data` is each type's data
 * (a union over versions, narrowed by `event.version`; only the latest version for a type that declares
 * upcasters, older events converted first), `ctx.emit` takes only the types the service writes with
 * their data, `ctx.get/put/update/delete` only its own tables and `ctx.lookup` only its table
 * subscriptions. At cold start it also refuses what the types cannot see (a catalog typed only as
 * `Catalog`, or keys forced past the compiler): a handler for a type the service never receives.
 * Takes a `declareService` result, or the catalog, the service name and the handlers.
 *
 * @example
 * export const handler = defineService(catalog, 'orders', {
 *   on: { OrderRequested: async (event, ctx) => ctx.put('orders', { pk: event.data.orderId }) },
 * });
 */
export function defineService<C extends Catalog, const N extends string>(
  declared: DeclaredService<C, N>,
  options?: ConsumerOptions,
): KinesisHandler;
export function defineService<C extends Catalog, const N extends ServiceName<C>>(
  catalog: C,
  service: N,
  definition: ServiceDefinition<C, N>,
  options?: ConsumerOptions,
): KinesisHandler;
export function defineService(
  first: Catalog | { readonly catalog: Catalog; readonly service: string; readonly on: object },
  second?: string | ConsumerOptions,
  definition?: { readonly on: object },
  options?: ConsumerOptions,
): KinesisHandler {
  if ('on' in first) {
    const consumerOptions = typeof second === 'object' ? second : undefined;
    return defineConsumer(
      {
        catalog: first.catalog,
        service: first.service,
        handlers: handlersOf(first.catalog, first.service, first),
      },
      consumerOptions,
    );
  }
  const service = typeof second === 'string' ? second : '(none)';
  if (!definition) throw new ServiceDefinitionError(service, 'no handlers given');
  return defineConsumer(
    { catalog: first, service, handlers: handlersOf(first, service, definition) },
    options,
  );
}
