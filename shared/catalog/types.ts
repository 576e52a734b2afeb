/**
 * The catalog is the single source of truth for Spine: the CDK app, the runtime and local mode are
 * all derived from it. These are the shapes a catalog author writes; `defineCatalog` validates them.
 */

/**
 * A JSON Schema object (draft 2020-12, compiled by Ajv in strict mode): a TypeBox schema, which is one
 * and also carries the static type of the data, or a plain object literal (data typed `unknown`).
 */
export type JsonSchema = object;

/**
 * Converts `data` of version N (already validated against that version's schema) into data of
 * version N + 1. No I/O, no clock: a replay or redrive must convert an old event the same way each time.
 */
export type Upcaster = (data: unknown) => unknown;

/** The upcasters of one event type, keyed by the version each one converts *from*. */
export type Upcasters = { readonly [fromVersion: number]: Upcaster };

export type StartingPosition = 'TRIM_HORIZON' | 'LATEST';

/** Confluent's schema compatibility modes; `shared/evolution` implements them for JSON Schema. */
export const COMPATIBILITY_MODES = [
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
  'NONE',
] as const;
export type CompatibilityMode = (typeof COMPATIBILITY_MODES)[number];

export interface TopicSpec {
  /** Stream-safe name: lowercase letters, digits and dashes. */
  readonly name: string;
  /** `'on-demand'` (the default capacity mode) or a fixed number of shards. */
  readonly shards: 'on-demand' | number;
  /** Kinesis retention, 24 .. 8760 hours. Replay can reach back this far. */
  readonly retentionHours: number;
  /** How long the ingress remembers an idempotency key for this topic. @default 24 */
  readonly idempotencyWindowHours?: number;
  readonly description?: string;
}

export interface EventTypeSpec {
  /** CloudEvents `type`, e.g. `OrderRequested`. */
  readonly type: string;
  readonly topic: string;
  /**
   * The one producer or service allowed to write this type (single-writer principle). The writers of
   * a topic are derived from its event types, so ownership is never declared twice.
   */
  readonly writer: string;
  /** Top-level field of `data` that becomes the partition key (same key, same shard, ordered). */
  readonly keyField: string;
  /** JSON Schema per version; versions are positive integers. */
  readonly versions: { readonly [version: number]: JsonSchema };
  /**
   * Which readers a new version must keep working for (Confluent's modes): BACKWARD, the new schema
   * reads data of the previous version; FORWARD, the previous reads the new; FULL, both; the
   * `_TRANSITIVE` variants against every earlier version; NONE, no check. `spine schema check`
   * enforces it against `schemas.lock.json`. @default 'BACKWARD'
   */
  readonly compatibility?: CompatibilityMode;
  /**
   * Pure functions that convert data of version N into version N + 1, keyed by N: one per version
   * below the latest (`defineUpcasters` in `shared/evolution` types each step by its schemas). When a
   * type declares them, `defineService` handlers receive only its latest version: older events are
   * converted before the handler runs, and the converted data is checked against the latest schema.
   * @default - none: handlers receive every version, narrowed by `event.version`
   */
  readonly upcasters?: Upcasters;
  /**
   * A tombstone: in a materialized table subscription, an event of this type deletes its key
   * (the compacted-topic delete). @default false
   */
  readonly tombstone?: boolean;
}

export interface RetryPolicy {
  /**
   * Attempts of one event, including the first, before the runtime parks it whole: handler errors,
   * handler overruns of the invocation deadline, writes DynamoDB rejects, and deaths of careful
   * invocations (timeout, OOM, crash) count; infrastructure failures (throttles, conflicts,
   * timeouts of AWS calls) never do. 1 .. 10001.
   */
  readonly maxAttempts: number;
  /**
   * The mapping's `BisectBatchOnFunctionError`: an invocation that failed as a whole (crash, timeout,
   * out of memory: no answer) is retried as two halves. Safe because the mapping never gives up
   * (`MaximumRetryAttempts` -1), so a split drops nothing; it isolates a record that kills its
   * container in fewer deaths, for a few more invocations. Failures the runtime answers (partial batch
   * response) are retried from the failed event either way.
   */
  readonly bisectOnError: boolean;
  /**
   * Records older than this, 60 .. 604800 s, or -1 (never), are not applied: when its batch reaches
   * such a record (Kinesis arrival time), the runtime parks it whole, unapplied, where redrive can
   * apply it on purpose, and the shard goes on. The runtime owns it, not the mapping: the mapping's
   * `MaximumRecordAgeInSeconds` stays -1, because its give-up would leave only metadata. Re-deliveries
   * by the CLI (redrive, replay) are not age-checked. @default -1
   */
  readonly maxRecordAgeSeconds?: number;
}

export interface SubscriptionSpec {
  readonly topic: string;
  /** Records per invocation, 1 .. 10000 (Kinesis event source mapping limits). */
  readonly batchSize: number;
  /** `MaximumBatchingWindowInSeconds`, 0 .. 300. */
  readonly batchingWindowSeconds: number;
  /** Concurrent batches per shard, 1 .. 10. Order per key is kept at any value. */
  readonly parallelizationFactor: number;
  readonly startingPosition: StartingPosition;
  readonly retry: RetryPolicy;
  /**
   * Makes this a *table* subscription (a KTable): the runtime keeps the latest `data` per key in the
   * named table of this service, deleting the key on tombstone types; handlers read it with
   * `ctx.lookup(table, key)`. The service's handlers for this topic, if any, still run.
   */
  readonly materialize?: { readonly table: string };
  /**
   * Coalesce writes per item within a commit: events of one batch that write the same item fold into
   * one write (a put then an update: one put; updates: one update, `add`s summed, `append`s joined), and
   * a handler reading an item with a pending update gets the stored item with the update applied. Each
   * item is then written once per commit, so hot items (a shared counter) cost a fraction of a write
   * unit per event. `false`: an event touching an item already pending commits the pending events first,
   * one more transaction each time. See docs/consumer-runtime.md. @default true
   */
  readonly coalesce?: boolean;
  /**
   * Reads through a dedicated enhanced fan-out consumer (SubscribeToShard, 2 MB/s per shard of its
   * own, ~70 ms delivery) instead of sharing the shard's 5 GetRecords/s and 2 MB/s with every other
   * subscription of the topic. Costs per consumer-shard-hour and per GB read: see docs/deploy.md.
   * At most 20 per topic. @default false
   */
  readonly enhancedFanOut?: boolean;
}

export interface TableSpec {
  /** Table name within the service, lowercase letters, digits and dashes. */
  readonly name: string;
  /** Attribute holding an epoch-seconds expiry, enables DynamoDB TTL when set. */
  readonly ttlAttribute?: string;
  /**
   * Schema of the table's items besides `pk`. A TypeBox schema gives `defineService` handlers their
   * item type in `ctx.get/put/update/delete`. Writes are not validated against it; reads are where the
   * service asks (`itemChecks(catalog, service).of(table)`), with validators generated at synth into the
   * service's bundles (and compiled by Ajv in local mode and tests), covered by the stale-bundle check.
   * @default - items are free-form (`StateItem`)
   */
  readonly item?: JsonSchema;
}

/** Read-side HTTP routes of a service, served on the ingress HTTP API with producer credentials. */
export interface QuerySpec {
  /** Module whose `handler` export takes API Gateway payload v2 events (read-only access to the service's tables). */
  readonly entry: string;
  /** Routes like `{ method: 'GET', path: '/orders/{orderId}' }`; paths must not clash with the ingress's. */
  readonly routes: readonly { readonly method: 'GET'; readonly path: string }[];
}

export interface ServiceSpec {
  readonly name: string;
  /** Module (path from the project root) whose `handler` export is the Lambda entry point. */
  readonly entry: string;
  /** Read-side HTTP routes. @default - none */
  readonly queries?: QuerySpec;
  readonly subscriptions: readonly SubscriptionSpec[];
  readonly tables: readonly TableSpec[];
  readonly description?: string;
}

/** What a producer's retries may do to the log: see `ProducerSpec.delivery`. */
export const PRODUCER_DELIVERIES = ['idempotent', 'at-least-once'] as const;
export type ProducerDelivery = (typeof PRODUCER_DELIVERIES)[number];

export interface ProducerSpec {
  /** Identity of an external client that publishes through the ingress. */
  readonly name: string;
  /**
   * What a retried request may do to the log.
   * - `'idempotent'` (Kafka's idempotent producer): every event with an idempotency key (`id`, or the
   *   `Idempotency-Key` header) is claimed at the ingress, so a retry never stores it twice. A request
   *   of several events must key every one (a CloudEvents batch, whose `id` is required); plain JSON
   *   without an id is one event per request.
   * - `'at-least-once'` (Kafka's `enable.idempotence=false`, Kinesis PutRecords): the ingress dedupes
   *   nothing for this producer. It also accepts a plain JSON array of events without ids, written
   *   in as few PutRecords calls as the limits allow, with no idempotency claim (no DynamoDB write).
   *   A retried request may store its events again, and consumers apply such copies again (see
   *   README, "Publishing"). The `Idempotency-Key` header is refused, not ignored.
   * @default 'idempotent'
   */
  readonly delivery?: ProducerDelivery;
  readonly description?: string;
}

/** A table a CDC source reads: one of a service's own state tables, or an external table by ARN. */
export type CdcTableRef =
  | { readonly service: string; readonly table: string }
  | {
      /** `arn:aws:dynamodb:<region>:<account>:table/<name>`; Spine neither creates nor changes it. */
      readonly arn: string;
      /** Its DynamoDB stream (view type NEW_AND_OLD_IMAGES), enabled by the table's owner. */
      readonly streamArn: string;
      /** Its key attributes (partition key first); service tables are keyed by `pk`. */
      readonly keyAttributes: readonly string[];
      /**
       * The stream's view type as its owner set it; when given, anything but NEW_AND_OLD_IMAGES is
       * refused by `defineCatalog` (a remove needs its old image, an insert or modify its new one).
       * @default - not checked: a record without its image is parked at run time
       */
      readonly streamViewType?: 'KEYS_ONLY' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES';
      /**
       * The table's customer-managed KMS key, if it has one: Decrypt is granted for Scan and stream
       * reads. @default - none (an AWS-owned or AWS-managed key needs no grant)
       */
      readonly kmsKeyArn?: string;
    };

/**
 * Change data capture: a DynamoDB table's items and changes become events on a topic, written by no
 * handler (see docs/cdc.md). First a snapshot (parallel scan), then the table's DynamoDB stream from
 * a position taken before the snapshot started; per item, the topic carries versions in order, once.
 */
export interface CdcSourceSpec {
  /** Writer name of the captured events (shares the namespace of producers and services). */
  readonly name: string;
  readonly table: CdcTableRef;
  readonly topic: string;
  /**
   * Event type per change kind. `insert` also types snapshot events (the item as it is). A kind
   * without a type is not published (e.g. no `remove`: deletions are not captured).
   */
  readonly types: { readonly insert: string; readonly modify?: string; readonly remove?: string };
  /**
   * Number attribute every writer increments on each write (optimistic locking's version). It orders a
   * snapshot image against the stream's changes, and with the key it makes the event id.
   */
  readonly versionAttribute: string;
  /** Parallel scan segments of the snapshot, 1 .. 64. @default 4 */
  readonly snapshotSegments?: number;
  /** Stream records per invocation, 1 .. 1000. @default 100 */
  readonly batchSize?: number;
  readonly description?: string;
}

export interface CatalogSpec {
  readonly topics: readonly TopicSpec[];
  readonly producers: readonly ProducerSpec[];
  readonly eventTypes: readonly EventTypeSpec[];
  readonly services: readonly ServiceSpec[];
  /** Tables whose changes become events (CDC). @default none */
  readonly cdcSources?: readonly CdcSourceSpec[];
}

/**
 * A catalog that passed validation. Only `defineCatalog` produces one. Its fields are typed as the
 * general `CatalogSpec`, so code that works for any catalog takes the default, `Catalog`. `S` is the spec
 * as written, names as literal types, kept for the compiler only: the typed service definition
 * (`defineService`) reads handler keys, emit types and table names from it.
 */
export interface Catalog<S extends CatalogSpec = CatalogSpec> extends CatalogSpec {
  readonly __validated: true;
  /** Type-level only, never set at run time: the spec as `defineCatalog` received it. */
  readonly '~spec'?: S;
}
