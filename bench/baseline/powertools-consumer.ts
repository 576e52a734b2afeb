import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type {
  Context,
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
  KinesisStreamRecord,
} from 'aws-lambda';
import { z } from 'zod';
import type { Catalog } from '../../shared/catalog';
import { createSchemaRegistry } from '../../shared/schemas';

/**
 * The hand-built baseline consumer, as a team writes it today with Powertools for AWS Lambda: the
 * Kinesis event source mapping's batch goes through `BatchProcessor` (partial batch responses), each
 * record is validated with the same JSON Schemas and applied through `makeIdempotent` keyed by the
 * event id (DynamoDB persistence layer), and the handler's effect is one PutItem of the state item.
 */
export interface PowertoolsConsumerOptions {
  readonly catalog: Catalog;
  readonly client: DynamoDBClient;
  readonly stateTable: string;
  readonly idempotencyTable: string;
  /** Builds the state item from the event's data (the same function the Spine handler uses). */
  readonly toItem: (data: unknown) => Record<string, unknown>;
}

const envelopeShape = z.object({
  id: z.string(),
  type: z.string(),
  dataversion: z.number(),
  data: z.unknown(),
});

export const createPowertoolsConsumer = (options: PowertoolsConsumerOptions) => {
  const registry = createSchemaRegistry(options.catalog);
  const doc = DynamoDBDocumentClient.from(options.client);
  const processor = new BatchProcessor(EventType.KinesisDataStreams);
  const config = new IdempotencyConfig({ eventKeyJmesPath: 'id' });
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: options.idempotencyTable,
    awsSdkV3Client: options.client,
  });
  const apply = makeIdempotent(
    async (event: z.infer<typeof envelopeShape>) => {
      await doc.send(new PutCommand({ TableName: options.stateTable, Item: options.toItem(event.data) }));
    },
    { persistenceStore, config },
  );
  const recordHandler = async (record: KinesisStreamRecord) => {
    const event = envelopeShape.parse(
      JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString('utf8')),
    );
    const valid = registry.validate(event.type, event.dataversion, event.data);
    if (!valid.ok) throw new Error(`invalid ${event.type}: ${valid.errors[0]?.message ?? ''}`);
    await apply(event);
  };
  return async (event: KinesisStreamEvent, context: Context): Promise<KinesisStreamBatchResponse> => {
    config.registerLambdaContext(context);
    return processPartialResponse(event, recordHandler, processor, { context });
  };
};
