import type { Static, TSchema } from 'typebox';
import type { Catalog, EventTypeSpec } from './types';

/**
 * Type-level views of a catalog, read from the spec `defineCatalog` kept with its literal names. For a
 * catalog typed only as `Catalog`, every name widens to `string` and every data type to `unknown`: the
 * typed API then checks nothing more than the runtime does, and never less.
 */

/** The spec a catalog was defined from. */
export type SpecOf<C extends Catalog> = Exclude<C['~spec'], undefined>;

type ServiceIn<C extends Catalog, N> = Extract<SpecOf<C>['services'][number], { readonly name: N }>;

/** Names of the catalog's services. */
export type ServiceName<C extends Catalog> = SpecOf<C>['services'][number]['name'];

/** Names of the topics service `N` subscribes to. */
export type SubscribedTopic<C extends Catalog, N> = ServiceIn<C, N>['subscriptions'][number]['topic'];

/** Event types on the topics service `N` subscribes to: what its handlers may receive. */
export type ConsumedTypeSpec<C extends Catalog, N> = Extract<
  SpecOf<C>['eventTypes'][number],
  { readonly topic: SubscribedTopic<C, N> }
>;

/** Event types service `N` is the single writer of: what it may emit. */
export type WrittenTypeSpec<C extends Catalog, N> = Extract<
  SpecOf<C>['eventTypes'][number],
  { readonly writer: N }
>;

/** Names of the state tables service `N` owns. */
export type TableName<C extends Catalog, N> = ServiceIn<C, N>['tables'][number]['name'];

/** Names of the tables service `N` materializes from a topic (its table subscriptions, for `ctx.lookup`). */
export type LookupTableName<C extends Catalog, N> = Extract<
  ServiceIn<C, N>['subscriptions'][number],
  { readonly materialize: { readonly table: string } }
>['materialize']['table'];

/**
 * Event types service `N` materializes into its lookup table `K`: those on the topic of its table
 * subscription into `K`, except tombstones. `ctx.lookup(K, key)` returns the data of one of them.
 */
export type MaterializedTypeSpec<C extends Catalog, N, K> = Exclude<
  Extract<
    SpecOf<C>['eventTypes'][number],
    {
      readonly topic: Extract<
        ServiceIn<C, N>['subscriptions'][number],
        { readonly materialize: { readonly table: K } }
      >['topic'];
    }
  >,
  { readonly tombstone: true }
>;

/** The versions an event type declares, as number literals (`1 | 2`). */
export type VersionOf<E extends EventTypeSpec> = keyof E['versions'] & number;

/** The static type of data a schema accepts: TypeBox schemas carry it, plain JSON Schemas give `unknown`. */
export type SchemaData<S> = S extends { readonly '~kind': string } & TSchema ? Static<S> : unknown;

/** The `data` of event type `E` at version `V` (a union over versions when `V` is). */
export type EventData<
  E extends EventTypeSpec,
  V extends number = VersionOf<E>,
> = V extends keyof E['versions'] ? SchemaData<E['versions'][V]> : never;

type Tuple<N extends number, T extends unknown[] = []> = T['length'] extends N
  ? T
  : Tuple<N, [...T, unknown]>;
/** `A < B` for small non-negative integer literals. */
type Below<A extends number, B extends number> =
  Tuple<B> extends [...Tuple<A>, unknown, ...unknown[]] ? true : false;
type Latest<V extends number> = {
  [K in V]: true extends (V extends unknown ? Below<K, V> : never) ? never : K;
}[V];

/** The highest version an event type declares: what `ctx.emit` writes when no version is given. */
export type LatestVersion<E extends EventTypeSpec> =
  number extends VersionOf<E> ? number : Latest<VersionOf<E>>;
