import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Static } from 'typebox';
import type { TableCheck } from '../../shared/consumer';
import type { storedCharge } from '../state/schemas';
import type { ChargeLedger, StoredCharge } from './payment-provider';

/**
 * The provider stub's ledger in a DynamoDB table (the payments service's `provider-charges`), written
 * directly and conditionally: like a real provider's books, it is outside the service's transaction.
 * Rows read back are checked against the table's item schema in the catalog (`charges`, the payments
 * service's `itemChecks(catalog, 'payments').of('provider-charges')`).
 */
export const dynamoChargeLedger = (
  client: DynamoDBDocumentClient,
  tableName: string,
  charges: TableCheck<string, Static<typeof storedCharge>>,
): ChargeLedger => ({
  async find(idempotencyKey) {
    const out = await client.send(
      new GetCommand({ TableName: tableName, Key: { pk: idempotencyKey }, ConsistentRead: true }),
    );
    if (!out.Item) return undefined;
    const checked = charges.check(out.Item);
    if (!checked.ok) {
      const problems = checked.errors.map((e) => `${e.path || '/'} ${e.message}`).join('; ');
      throw new Error(`${tableName}/${idempotencyKey} is not a charge record the ledger writes: ${problems}`);
    }
    const { pk, orderId, amount, currency, at, result } = checked.item;
    return { idempotencyKey: pk, orderId, amount, currency, at, result };
  },
  async markReplayed(idempotencyKey) {
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: idempotencyKey },
        // `version` counts every write of the row: CDC orders its snapshot against the stream by it.
        UpdateExpression: 'ADD replays :one, version :one',
        ExpressionAttributeValues: { ':one': 1 },
      }),
    );
  },
  async insert(charge: StoredCharge) {
    const { idempotencyKey, ...rest } = charge;
    try {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: { pk: idempotencyKey, ...rest, version: 1 },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  },
});
