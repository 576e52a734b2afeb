import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { createDocumentClient } from '../aws';
import { type Catalog, serviceByName } from '../catalog';
import { RUNTIME_TABLE_ENV, requireEnv, stateTableEnvVar, streamEnvVar } from '../config';
import { createSchemaRegistry } from '../schemas';
import { createDynamoStore } from './dynamo-store';
import { processBatch } from './process-batch';
import { streamNameOf } from './records';
import type { ConsumerStore } from './store';
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
  /** Replaces the DynamoDB store (tests). */
  readonly store?: ConsumerStore;
}

export type KinesisHandler = (
  event: KinesisStreamEvent,
  context?: Context,
) => Promise<KinesisStreamBatchResponse>;

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
      stateTables: Object.fromEntries(
        service.tables.map((t) => [t.name, requireEnv(stateTableEnvVar(service.name, t.name), env)]),
      ),
    });
  const schemas = createSchemaRegistry(definition.catalog);
  const logger = new Logger({ serviceName: service.name });
  const dispatch: EventHandler = async (event, ctx) => {
    const handle = definition.handlers[event.type];
    if (handle) await handle(event, ctx);
  };

  return async (event) => {
    const first = event.Records[0];
    if (!first) return { batchItemFailures: [] };
    const subscription = topicsByStream.get(streamNameOf(first.eventSourceARN));
    if (!subscription)
      throw new Error(`${service.name} does not subscribe to stream ${streamNameOf(first.eventSourceARN)}`);
    return processBatch(event.Records, {
      service: service.name,
      topic: subscription.topic,
      handler: dispatch,
      store,
      schemas,
      maxAttempts: subscription.retry.maxAttempts,
      log: (level, message, fields) => logger[level](message, fields ?? {}),
    });
  };
};
