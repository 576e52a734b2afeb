import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * Client factories. Endpoints come from the SDK's standard `AWS_ENDPOINT_URL_KINESIS` /
 * `AWS_ENDPOINT_URL_DYNAMODB` variables, which local mode sets; on Lambda they are unset.
 * Kinesis uses HTTP/1.1 (`NodeHttpHandler`): kinesis-mock does not speak the SDK's HTTP/2 path.
 */
export const createKinesisClient = (): KinesisClient =>
  new KinesisClient({
    requestHandler: new NodeHttpHandler({ connectionTimeout: 2_000, requestTimeout: 10_000 }),
  });

export const createDynamoClient = (): DynamoDBClient =>
  new DynamoDBClient({
    requestHandler: new NodeHttpHandler({ connectionTimeout: 2_000, requestTimeout: 10_000 }),
  });

export const createDocumentClient = (client: DynamoDBClient = createDynamoClient()): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
