import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** Creates an on-demand table keyed by string attributes (`pk`, optional `sk`) and waits for it. */
export const createTable = async (
  client: DynamoDBClient,
  name: string,
  partitionKey: string,
  sortKey?: string,
): Promise<void> => {
  const keys = [partitionKey, ...(sortKey ? [sortKey] : [])];
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: keys.map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
      KeySchema: keys.map((AttributeName, i) => ({ AttributeName, KeyType: i === 0 ? 'HASH' : 'RANGE' })),
    }),
  );
};
