import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as Type from 'typebox';
import { parseState } from '../state/parse';
import type { ChargeLedger, StoredCharge } from './payment-provider';

const storedCharge = Type.Object({
  pk: Type.String(),
  orderId: Type.String(),
  amount: Type.Number(),
  currency: Type.String(),
  at: Type.String(),
  result: Type.Union([
    Type.Object({ status: Type.Literal('succeeded'), chargeId: Type.String() }),
    Type.Object({ status: Type.Literal('declined'), reason: Type.String() }),
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
    const charge = parseState(storedCharge, out.Item);
    if (!charge) throw new Error(`${tableName}/${idempotencyKey} is not a charge record the ledger writes`);
    const { pk, orderId, amount, currency, at, result } = charge;
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
