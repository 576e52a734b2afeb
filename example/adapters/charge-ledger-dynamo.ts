import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { ChargeLedger, StoredCharge } from './payment-provider';

const storedCharge = z.object({
  pk: z.string(),
  orderId: z.string(),
  amount: z.number(),
  currency: z.string(),
  at: z.string(),
  result: z.discriminatedUnion('status', [
    z.object({ status: z.literal('succeeded'), chargeId: z.string() }),
    z.object({ status: z.literal('declined'), reason: z.string() }),
  ]),
});

/**
 * The provider stub's ledger in a DynamoDB table (the payments service's `provider-charges`), written
 * directly and conditionally: like a real provider's books, it is outside the service's transaction.
 */
export const dynamoChargeLedger = (client: DynamoDBDocumentClient, tableName: string): ChargeLedger => ({
  async find(idempotencyKey) {
    const out = await client.send(
      new GetCommand({ TableName: tableName, Key: { pk: idempotencyKey }, ConsistentRead: true }),
    );
    if (!out.Item) return undefined;
    const { pk, orderId, amount, currency, at, result } = storedCharge.parse(out.Item);
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
