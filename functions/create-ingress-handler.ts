import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { createDynamoClient, createKinesisClient } from '../shared/aws';
import type { Catalog } from '../shared/catalog';
import { wireIngress } from '../shared/ingress';

/** The ingress's Lambda entry point (API Gateway HTTP API, payload v2); local mode calls it the same way. */
export type IngressLambdaHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * The HTTP ingress for `catalog`, as a Lambda handler. Call it once at module level of the ingress
 * entry (`functions/ingress.ts` in a Spine project): that is cold start, where it reads the config
 * (failing on a missing variable), compiles or picks up every schema's validator and creates the clients.
 *
 * @example
 * export const handler = createIngressHandler(catalog);
 */
export const createIngressHandler = (catalog: Catalog): IngressLambdaHandler => {
  const ingress = wireIngress({ catalog, kinesis: createKinesisClient(), dynamo: createDynamoClient() });
  return async (event, context) => ingress(event, context);
};
