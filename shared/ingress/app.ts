import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { type Catalog, producerDelivery, topicByName } from '../catalog';
import type { SchemaRegistry } from '../schemas';
import { createAcknowledgedKeys } from './acknowledged';
import { authorizeTopic, resolveProducer } from './auth';
import type { IngressConfig } from './config';
import { IngressError } from './errors';
import { cachedHealth } from './health';
import { errorResponse, type HttpResult, json } from './http';
import type { IdempotencyStore } from './idempotency';
import { parseRequest } from './modes';
import { prepareEvents } from './prepare';
import { publishEvents } from './publish';
import { getSchema, listTopics } from './registry-api';
import { INGRESS_ROUTES, routeKey } from './routes';
import type { WriterOptions } from './writer';

export interface IngressDeps {
  readonly catalog: Catalog;
  readonly registry: SchemaRegistry;
  readonly config: IngressConfig;
  readonly kinesis: KinesisClient;
  readonly dynamo: DynamoDBClient;
  readonly store: IdempotencyStore;
  readonly writer?: WriterOptions;
  readonly now?: () => Date;
  /** Where unexpected errors go (the edge answers a bare 500); defaults to `console.error`. */
  readonly log?: (message: string, error: unknown) => void;
}

export type IngressHandler = (
  event: APIGatewayProxyEventV2,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
) => Promise<HttpResult>;

/** Retries stop this long before the Lambda deadline, leaving time to record claims and answer. */
const DEADLINE_MARGIN_MS = 3_000;
/** A log search after a takeover stops this much earlier still, leaving time to write what it did not find. */
const SEARCH_MARGIN_MS = 2_000;

/**
 * The ingress as a function of an API Gateway HTTP API (payload v2) event: routes on `routeKey`,
 * authenticates producer routes, and maps every outcome to a response. Local mode calls the same function.
 */
export const createIngress = (deps: IngressDeps): IngressHandler => {
  // Here, not at module level: a top-level destructuring keeps the routes in every bundle that imports
  // the ingress module (consumers use its writer and log search).
  const [PUBLISH, TOPICS, SCHEMA, SCHEMA_VERSION, HEALTH] = INGRESS_ROUTES.map(routeKey);
  const now = deps.now ?? (() => new Date());
  const log = deps.log ?? ((message, error) => console.error(message, error));
  const probeStream = deps.config.streams.values().next().value ?? '';
  // One per instance: a warm Lambda answers its own acknowledged keys' repeats without reading the log.
  const acknowledged = createAcknowledgedKeys();
  const health = cachedHealth({
    kinesis: deps.kinesis,
    dynamo: deps.dynamo,
    probeStream,
    idempotencyTable: deps.config.idempotencyTable,
  });

  const publish = async (event: APIGatewayProxyEventV2, producer: string, remainingMs?: number) => {
    const topic = event.pathParameters?.topic ?? '';
    const streamName = deps.config.streams.get(topic);
    if (!topicByName(deps.catalog, topic) || !streamName)
      throw new IngressError('UNKNOWN_TOPIC', `Unknown topic ${topic}; GET /topics lists them.`);
    authorizeTopic(deps.catalog, producer, topic);
    const delivery = producerDelivery(deps.catalog, producer);
    const request = parseRequest(event, { plainArrays: delivery === 'at-least-once' });
    const events = prepareEvents(request, {
      catalog: deps.catalog,
      registry: deps.registry,
      topic,
      producer,
      delivery,
      now,
    });
    const deadline = remainingMs === undefined ? undefined : Date.now() + remainingMs - DEADLINE_MARGIN_MS;
    const results = await publishEvents(
      {
        kinesis: deps.kinesis,
        store: deps.store,
        writer: { ...deps.writer, ...(deadline ? { deadline } : {}) },
        ...(deadline ? { search: { deadline: deadline - SEARCH_MARGIN_MS } } : {}),
        warn: log,
        acknowledged,
      },
      streamName,
      events,
    );
    return json(202, { results });
  };

  return async (event, context) => {
    try {
      if (event.routeKey === HEALTH) return await health();
      const route = INGRESS_ROUTES.find((r) => routeKey(r) === event.routeKey);
      if (!route) throw new IngressError('NOT_FOUND', `No route ${event.routeKey}.`);
      const producer = resolveProducer(event, deps.config.principals);
      const params = event.pathParameters ?? {};
      switch (event.routeKey) {
        case PUBLISH:
          return await publish(event, producer, context?.getRemainingTimeInMillis());
        case TOPICS:
          return listTopics(deps.catalog);
        case SCHEMA:
          return getSchema(deps.registry, params.type);
        case SCHEMA_VERSION:
          return getSchema(deps.registry, params.type, params.version);
        default:
          throw new IngressError('NOT_FOUND', `No route ${event.routeKey}.`);
      }
    } catch (error) {
      if (!(error instanceof IngressError) || error.status >= 500) log('ingress request failed', error);
      return errorResponse(error);
    }
  };
};
