import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { createDocumentClient, createKinesisClient } from '../aws';
import { type Catalog, serviceByName } from '../catalog';
import {
  RUNTIME_TABLE_ENV,
  requireEnv,
  stateTableEnvVar,
  streamEnvVar,
  TOMBSTONE_GRACE_ENV,
} from '../config';
import { Backoff } from './backoff';
import { LookupCache } from './context';
import type { CopyFinder } from './copy-finder';
import { createDynamoStore } from './dynamo-store';
import { createKinesisPublisher } from './kinesis-publisher';
import { createLogReaders, lookBackDeadline } from './log-readers';
import { processBatch } from './process-batch';
import type { EventPublisher } from './publisher';
import { streamNameOf } from './records';
import { OUTBOX_LEASE_MS } from './recovery';
import { schemaRegistryOf } from './schema-registries';
import type { ShardDirectory } from './shard-parents';
import type { ConsumerStore } from './store';
import { SweepSchedule } from './sweep';
import type { EventHandler } from './types';

export interface ConsumerDefinition {
  readonly catalog: Catalog;
  /** The catalog name of the service this Lambda belongs to. */
  readonly service: string;
  /** One handler per event type. Types the service receives but does not handle are acknowledged and skipped. */
  readonly handlers: Readonly<Record<string, EventHandler>>;
}

export interface ConsumerOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Replaces the DynamoDB store (tests). The log readers stay Kinesis unless `logReaders` says otherwise. */
  readonly store?: ConsumerStore;
  /** Replaces the Kinesis publisher of emitted events (tests). */
  readonly publisher?: EventPublisher;
  /** Recovery lease for outbox claims and other batches' leftovers; see `recoverOutbox`. @default 60 s */
  readonly outboxLeaseMs?: number;
  /** Replaces the Kinesis look-back for marked records (tests); see `classifyCopies`. */
  readonly copies?: CopyFinder;
  /** Replaces the ListShards lineage of subscribed streams (tests): outbox recovery of closed parents. */
  readonly shards?: ShardDirectory;
  /**
   * `false`: no log readers beyond the given `copies` / `shards` (tests without a Kinesis). Marked
   * records the batch cannot settle then stay undecided, so their shard stops, and closed parents'
   * outbox leftovers are never recovered: never right for a deployed function. @default Kinesis
   */
  readonly logReaders?: false;
  /** Pause before answering after infrastructure failures; `false`: answer at once (tests). @default new Backoff() */
  readonly backoff?: Backoff | false;
}

/**
 * Set by the `spine` CLI when it re-delivers records itself (replay, rebuild, redrive); absent when
 * the event source mapping invokes the function. `emits: 'suppress'` makes a re-application change
 * state only: the events it would emit are already in the log from the first time.
 */
export interface SessionOptions {
  readonly emits?: 'publish' | 'suppress';
}

export type KinesisHandler = (
  event: KinesisStreamEvent & { readonly spine?: SessionOptions },
  context?: Context,
) => Promise<KinesisStreamBatchResponse>;

/** The tombstone grace from the environment (`TOMBSTONE_GRACE_ENV`), checked at cold start; unset: the default. */
const tombstoneGrace = (env: NodeJS.ProcessEnv): { tombstoneGraceMs?: number } => {
  const value = env[TOMBSTONE_GRACE_ENV];
  if (value === undefined || value === '') return {};
  const ms = Number(value);
  if (!Number.isSafeInteger(ms) || ms < 0)
    throw new Error(
      `${TOMBSTONE_GRACE_ENV} must be a whole number of milliseconds, 0 or more (was "${value}")`,
    );
  return { tombstoneGraceMs: ms };
};

/**
 * Wraps a service's event handlers as the Lambda handler for its Kinesis event source mappings.
 * Configuration is read once, here, at cold start: a missing variable fails with its name.
 *
 * @example
 * export const handler = defineConsumer({ catalog, service: 'orders', handlers: { OrderRequested: onRequested } });
 */
export const defineConsumer = (
  definition: ConsumerDefinition,
  options: ConsumerOptions = {},
): KinesisHandler => {
  const env = options.env ?? process.env;
  const service = serviceByName(definition.catalog, definition.service);
  if (!service) throw new Error(`defineConsumer: service "${definition.service}" is not in the catalog`);
  const unknownTypes = Object.keys(definition.handlers).filter(
    (type) => !definition.catalog.eventTypes.some((e) => e.type === type),
  );
  if (unknownTypes.length > 0)
    throw new Error(
      `defineConsumer(${service.name}): handlers for unknown event types: ${unknownTypes.join(', ')}`,
    );

  const topicsByStream = new Map(
    service.subscriptions.map((s) => [requireEnv(streamEnvVar(s.topic), env), s]),
  );
  const store =
    options.store ??
    createDynamoStore({
      client: createDocumentClient(),
      service: service.name,
      checkpointsTable: requireEnv(RUNTIME_TABLE_ENV.checkpoints, env),
      parkingTable: requireEnv(RUNTIME_TABLE_ENV.parking, env),
      outboxTable: requireEnv(RUNTIME_TABLE_ENV.outbox, env),
      stateTables: Object.fromEntries(
        service.tables.map((t) => [t.name, requireEnv(stateTableEnvVar(service.name, t.name), env)]),
      ),
      ...tombstoneGrace(env),
    });
  const schemas = schemaRegistryOf(definition.catalog, service.name);
  // Only services that own event types can emit; only they get a Kinesis client and stream names.
  const written = [
    ...new Set(definition.catalog.eventTypes.filter((e) => e.writer === service.name).map((e) => e.topic)),
  ];
  const streams = new Map(written.map((topic) => [topic, requireEnv(streamEnvVar(topic), env)]));
  let kinesisPublisher: EventPublisher | undefined;
  const publisher: EventPublisher = options.publisher ?? {
    publish: (entries, publishOptions) => {
      kinesisPublisher ??= createKinesisPublisher(createKinesisClient(), streamOf);
      return kinesisPublisher.publish(entries, publishOptions);
    },
    findPublished: (entries, since, deadline) => {
      kinesisPublisher ??= createKinesisPublisher(createKinesisClient(), streamOf);
      return kinesisPublisher.findPublished(entries, since, deadline);
    },
  };
  function streamOf(topic: string): string {
    const name = streams.get(topic);
    if (name === undefined) throw new Error(`${service?.name} does not write topic ${topic}`);
    return name;
  }
  const readers = createLogReaders({
    ...(options.copies && { copies: options.copies }),
    ...(options.shards && { shards: options.shards }),
    useKinesis: options.logReaders !== false,
  });
  const lookups = new LookupCache();
  // Per container: consecutive infrastructure failures grow the pause before the batch is answered.
  const backoff = options.backoff === false ? undefined : (options.backoff ?? new Backoff());
  const sweeps = new SweepSchedule();
  const tombstones = new Set(definition.catalog.eventTypes.filter((e) => e.tombstone).map((e) => e.type));
  const logger = new Logger({ serviceName: service.name });
  const dispatch: EventHandler = async (event, ctx) => {
    const handle = definition.handlers[event.type];
    if (handle) await handle(event, ctx);
  };

  return async (event, context) => {
    const first = event.Records[0];
    if (!first) return { batchItemFailures: [] };
    const subscription = topicsByStream.get(streamNameOf(first.eventSourceARN));
    if (!subscription)
      throw new Error(`${service.name} does not subscribe to stream ${streamNameOf(first.eventSourceARN)}`);
    const maxAgeSeconds = subscription.retry.maxRecordAgeSeconds;
    return processBatch(event.Records, {
      catalog: definition.catalog,
      service: service.name,
      topic: subscription.topic,
      handler: dispatch,
      store,
      schemas,
      publisher,
      lookups,
      maxAttempts: subscription.retry.maxAttempts,
      // The mapping's own deliveries only: the CLI's re-deliveries carry `spine` and old records.
      ...(maxAgeSeconds !== undefined &&
        maxAgeSeconds > 0 &&
        !event.spine && { maxRecordAgeMs: maxAgeSeconds * 1000 }),
      outboxLeaseMs: options.outboxLeaseMs ?? OUTBOX_LEASE_MS,
      ...readers,
      ...lookBackDeadline(context),
      checkpoints: subscription.parallelizationFactor > 1 ? 'key' : 'shard',
      coalesce: subscription.coalesce ?? true,
      ...(backoff && { backoff }),
      sweeps,
      ...(context && { remainingMs: () => context.getRemainingTimeInMillis() }),
      ...(subscription.materialize && { materialize: { table: subscription.materialize.table, tombstones } }),
      ...(event.spine?.emits === 'suppress' && { emits: 'suppress' as const }),
      log: (level, message, fields) => logger[level](message, fields ?? {}),
    });
  };
};
