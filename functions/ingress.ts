import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { catalog } from '../catalog';
import { createDynamoClient, createKinesisClient } from '../shared/aws';
import { createDynamoIdempotencyStore, createIngress, loadIngressConfig } from '../shared/ingress';
import { createSchemaRegistry } from '../shared/schemas';

// Cold start: read config (fails naming a missing variable), compile every schema, create clients once.
const config = loadIngressConfig(catalog);
const kinesis = createKinesisClient();
const dynamo = createDynamoClient();
const ingress = createIngress({
  catalog,
  registry: createSchemaRegistry(catalog),
  config,
  kinesis,
  dynamo,
  store: createDynamoIdempotencyStore(dynamo, config.idempotencyTable),
});

/** API Gateway HTTP API (payload v2) entry point of the ingress; local mode calls it the same way. */
export const handler = async (
  event: APIGatewayProxyEventV2,
  context: Context,
): Promise<APIGatewayProxyStructuredResultV2> => ingress(event, context);
