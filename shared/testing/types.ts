import type { Catalog, ConsumedTypeSpec, EventData, EventTypeSpec, TableName, VersionOf } from '../catalog';
import type { TableItem } from '../consumer';

/**
 * `T` with every property and array readonly, at any depth. A test's `data` takes this, so data
 * written `as const` (readonly tuples) is accepted; mutable data still is, since readonly only widens.
 */
export type DeepReadonly<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** One event of type spec `E` as a test gives it: `data` typed by the version given (default: latest). */
type TestEventOfSpec<E extends EventTypeSpec> = E extends unknown
  ? {
      [V in VersionOf<E>]: {
        readonly type: E['type'];
        readonly version?: V;
        readonly data: DeepReadonly<EventData<E, V>>;
        /** Partition key; defaults to `data[keyField]`. */
        readonly key?: string;
        /** CloudEvents id; defaults to a fresh one. Giving an earlier event's id re-delivers that event. */
        readonly id?: string;
      };
    }[VersionOf<E>]
  : never;

/** The events service `N` consumes, as a test delivers them. */
export type TestEventOf<C extends Catalog, N> = TestEventOfSpec<ConsumedTypeSpec<C, N>>;

/** An event the handlers emitted, as it went to the log. */
export interface EmittedEvent {
  readonly type: string;
  /** The partition key: `data[keyField]` unless the handler gave one. */
  readonly key: string;
  readonly version: number;
  readonly data: unknown;
}

/** What one `when` did. State is read afterwards with `item`. */
export interface WhenResult {
  /** Events emitted by the handlers of the delivered events, in order. */
  readonly emitted: readonly EmittedEvent[];
  /** Ids of delivered events the invocation reported as failed (the mapping would retry them). */
  readonly failed: readonly string[];
  /** Ids of delivered events the runtime parked (poison, or out of attempts). */
  readonly parked: readonly string[];
}

/** A table of service `N` and an item for it (the table's item type where the catalog gives one). */
export type TableOf<C extends Catalog, N> = TableName<C, N> & string;
export type ItemOf<C extends Catalog, N, K> = TableItem<C, N, K>;
