import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { TableKeySchema } from '../../../shared/config';

/**
 * Creates an on-demand table keyed as `key` says (string attributes). DynamoDB Local answers once the
 * table is ACTIVE, so nothing waits here; against AWS a caller would have to.
 */
export const createTable = (dynamo: DynamoDBClient, name: string, key: TableKeySchema) =>
  dynamo.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: key.partitionKey, AttributeType: 'S' },
        ...(key.sortKey ? [{ AttributeName: key.sortKey, AttributeType: 'S' as const }] : []),
      ],
      KeySchema: [
        { AttributeName: key.partitionKey, KeyType: 'HASH' },
        ...(key.sortKey ? [{ AttributeName: key.sortKey, KeyType: 'RANGE' as const }] : []),
      ],
    }),
  );
