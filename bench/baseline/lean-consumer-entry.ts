import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type {
  Context,
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
  KinesisStreamRecord,
} from 'aws-lambda';

/**
 * The lean cold-start baseline: the consumer a team writes by itself with Powertools for AWS Lambda
 * and nothing of Spine (no catalog, no Ajv, no zod). `BatchProcessor` gives partial batch responses,
 * `makeIdempotent` keyed by the event id (DynamoDB persistence layer) guards the one PutItem.
 * `bench/coldstart` bundles it the way CDK's `NodejsFunction` does by default.
 */
interface OrderEvent {
  readonly id: string;
  readonly data: { readonly orderId: string; readonly customerId: string };
}

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const client = new DynamoDBClient({});
const doc = DynamoDBDocumentClient.from(client);
const stateTable = env('BASELINE_STATE_TABLE');
const processor = new BatchProcessor(EventType.KinesisDataStreams);
const config = new IdempotencyConfig({ eventKeyJmesPath: 'id' });
const persistenceStore = new DynamoDBPersistenceLayer({
  tableName: env('BASELINE_IDEMPOTENCY_TABLE'),
  awsSdkV3Client: client,
});

const apply = makeIdempotent(
  async (event: OrderEvent) => {
    await doc.send(
      new PutCommand({
        TableName: stateTable,
        Item: { pk: event.data.orderId, customerId: event.data.customerId, status: 'REQUESTED' },
      }),
    );
  },
  { persistenceStore, config },
);

const recordHandler = async (record: KinesisStreamRecord): Promise<void> => {
  const event: OrderEvent = JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString('utf8'));
  await apply(event);
};

export const handler = async (
  event: KinesisStreamEvent,
  context: Context,
): Promise<KinesisStreamBatchResponse> => {
  config.registerLambdaContext(context);
  return processPartialResponse(event, recordHandler, processor, { context });
};
