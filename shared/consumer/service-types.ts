import type {
  Catalog,
  ConsumedTypeSpec,
  EventData,
  EventTypeSpec,
  LatestVersion,
  LookupTableName,
  SchemaData,
  SpecOf,
  TableName,
  VersionOf,
  WrittenTypeSpec,
} from '../catalog';
import type { StateItem, StateUpdate, StoredItem, WriteOptions } from './state-ops';
import type { ConsumedEvent, HandlerContext } from './types';

/**
 * Type-only views over the runtime's `ConsumedEvent` and `HandlerContext`, narrowed by the catalog.
 * Nothing here exists at run time: the runtime context is passed as is.
 */

/** One event of type `TType` at version `TVersion`, whose `data` the runtime validated against that schema. */
export interface ServiceEvent<TType extends string, TVersion extends number, TData>
  extends ConsumedEvent<TData> {
  readonly type: TType;
  readonly version: TVersion;
}

/**
 * The events of one event type spec: a union over its versions, narrowed by `event.version`; only the
 * latest version when the type declares upcasters (`defineService` converts older events first).
 */
export type EventOfSpec<E extends EventTypeSpec> = E extends { readonly upcasters: object }
  ? ServiceEvent<E['type'], LatestVersion<E>, SchemaData<E['versions'][LatestVersion<E>]>>
  : E extends unknown
    ? { [V in VersionOf<E>]: ServiceEvent<E['type'], V, SchemaData<E['versions'][V]>> }[VersionOf<E>]
    : never;

/** Consumed events of service `N` of catalog `C`, optionally only the types `T`. */
export type ServiceEventOf<
  C extends Catalog,
  N,
  T extends ConsumedTypeSpec<C, N>['type'] = ConsumedTypeSpec<C, N>['type'],
> = EventOfSpec<Extract<ConsumedTypeSpec<C, N>, { readonly type: T }>>;

/** Emit options whose version is one the event type declares. */
export interface TypedEmitOptions<V extends number> {
  /** Partition key override; defaults to `data[keyField]`. */
  readonly key?: string;
  /** Schema version; defaults to the latest, and `data` is checked against the version given. */
  readonly version?: V;
}

type TableSpecOf<C extends Catalog, N, K> = Extract<
  Extract<SpecOf<C>['services'][number], { readonly name: N }>['tables'][number],
  { readonly name: K }
>;

type ItemOfData<D> = unknown extends D ? StateItem : { readonly pk: string } & Omit<D, 'pk'>;

/** The item type of table `K` of service `N`: from its TypeBox `item` schema, else free-form `StateItem`. */
export type TableItem<C extends Catalog, N, K> =
  TableSpecOf<C, N, K> extends { readonly item: infer S } ? ItemOfData<SchemaData<S>> : StateItem;

/** Item types of the tables of service `N`, by table name. */
export type TableItems<C extends Catalog, N> = { [K in TableName<C, N>]: TableItem<C, N, K> };

/** Whether `T` is the free-form item (no schema). */
type FreeForm<T> = string extends keyof T ? true : false;
type Stored<T> = FreeForm<T> extends true ? StateItem : StoredItem<T>;

/**
 * What a handler of service `N` may do: `HandlerContext` with table names limited to the service's own
 * tables (and their item types where the catalog gives a schema), lookups to its table subscriptions,
 * and emits to the types it writes, with their data.
 */
export interface ServiceContext<
  TItems extends Record<string, { readonly pk: string }>,
  TLookup extends string,
  TEmit extends EventTypeSpec,
> extends Omit<HandlerContext, 'get' | 'put' | 'update' | 'delete' | 'emit' | 'lookup'> {
  /** The stored item: a typed table's attributes are all optional here, since updates may create partial items. */
  get<K extends keyof TItems & string>(table: K, pk: string): Promise<Stored<TItems[K]> | undefined>;
  put<K extends keyof TItems & string>(table: K, item: TItems[K], options?: WriteOptions<TItems[K]>): void;
  update<K extends keyof TItems & string>(
    table: K,
    pk: string,
    update: StateUpdate<TItems[K]>,
    options?: WriteOptions<TItems[K]>,
  ): void;
  delete<K extends keyof TItems & string>(table: K, pk: string, options?: WriteOptions<TItems[K]>): void;
  emit<
    T extends TEmit['type'],
    V extends VersionOf<Extract<TEmit, { readonly type: T }>> = LatestVersion<
      Extract<TEmit, { readonly type: T }>
    >,
  >(type: T, data: EventData<Extract<TEmit, { readonly type: T }>, V>, options?: TypedEmitOptions<V>): void;
  lookup(
    table: TLookup,
    key: string,
    options?: { maxAgeMs?: number },
  ): Promise<Record<string, unknown> | undefined>;
}

/** The context of service `N` of catalog `C`. */
export type ServiceContextOf<C extends Catalog, N> = ServiceContext<
  TableItems<C, N>,
  LookupTableName<C, N>,
  WrittenTypeSpec<C, N>
>;

/** A handler of event types `T` (default: all it consumes) of service `N`. */
export type ServiceHandler<
  C extends Catalog,
  N,
  T extends ConsumedTypeSpec<C, N>['type'] = ConsumedTypeSpec<C, N>['type'],
> = (event: ServiceEventOf<C, N, T>, ctx: ServiceContextOf<C, N>) => Promise<void> | void;

/**
 * Handlers by event type. Keys are limited to the types on the topics the service subscribes to; each is
 * optional, as in the runtime: a consumed type without a handler is acknowledged and skipped.
 */
export type ServiceHandlers<C extends Catalog, N> = {
  // Spelled out, not `ServiceHandler<C, N, T>`: a handler typed `ServiceHandler<C, N, 'A' | 'B'>` and
  // shared by keys A and B would be related to the same alias by type arguments, with a variance the
  // compiler measures wrongly through `Extract` (covariant), failing with TS2719 ("two different types
  // with this name exist"). A different type makes it compare parameters, which fit.
  readonly [T in ConsumedTypeSpec<C, N>['type']]?: (
    event: ServiceEventOf<C, N, T>,
    ctx: ServiceContextOf<C, N>,
  ) => Promise<void> | void;
};
