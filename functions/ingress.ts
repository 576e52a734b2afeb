import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { catalog } from '../catalog';
import { createDynamoClient, createKinesisClient } from '../shared/aws';
import { wireIngress } from '../shared/ingress';

// Cold start: read config (fails naming a missing variable), compile every schema, create clients once.
const ingress = wireIngress({ catalog, kinesis: createKinesisClient(), dynamo: createDynamoClient() });

/** API Gateway HTTP API (payload v2) entry point of the ingress; local mode calls it the same way. */
export const handler = async (
  event: APIGatewayProxyEventV2,
  context: Context,
): Promise<APIGatewayProxyStructuredResultV2> => ingress(event, context);
