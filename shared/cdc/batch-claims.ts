import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { BatchAttempt, CdcStore } from './store';

/** Batch attempts outlive the stream's 24 h retention: no retry can come after they expire. */
const BATCH_RECORD_SECONDS = 48 * 3600;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export const isConditionFailure = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException ||
  (error instanceof Error && error.name === 'ConditionalCheckFailedException');

/**
 * The stream side's batch claims on DynamoDB, in `table` (the runtime idempotency table, TTL on
 * `expiresAt`) under `<pk>#batch#<first record's eventID>`.
 */
export const createDynamoBatchClaims = (
  client: DynamoDBDocumentClient,
  table: string,
  pk: string,
): Pick<CdcStore, 'claimBatch' | 'batchDone' | 'releaseBatch'> => ({
  async claimBatch(batchKey, claim: BatchAttempt) {
    const Key = { pk: `${pk}#batch#${batchKey}` };
    const expiresAt = Math.floor(claim.since / 1000) + BATCH_RECORD_SECONDS;
    try {
      await client.send(
        new PutCommand({
          TableName: table,
          Item: { ...Key, since: claim.since, token: claim.token, until: claim.until, expiresAt },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { first: true, attempt: claim };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const item = (await client.send(new GetCommand({ TableName: table, Key, ConsistentRead: true }))).Item;
    // Expired between the two calls (48 h on): no earlier attempt is known any more; stay marked.
    if (!item) return { first: false, attempt: { since: claim.since, token: '', until: 0 } };
    const through = str(item.through);
    const attempt = {
      since: Number(item.since),
      token: String(item.token),
      until: Number(item.until),
      ...(through !== undefined && { through }),
    };
    // Our own claim whose answer was lost: the SDK's retry then failed the condition.
    return { first: attempt.token === claim.token && through === undefined, attempt };
  },

  async batchDone(batchKey, through) {
    await client.send(
      new UpdateCommand({
        TableName: table,
        Key: { pk: `${pk}#batch#${batchKey}` },
        UpdateExpression: 'SET through = :through',
        ExpressionAttributeValues: { ':through': through },
      }),
    );
  },

  async releaseBatch(batchKey, token, at) {
    try {
      await client.send(
        new UpdateCommand({
          TableName: table,
          Key: { pk: `${pk}#batch#${batchKey}` },
          UpdateExpression: 'SET #until = :at',
          ConditionExpression: '#token = :token',
          ExpressionAttributeNames: { '#until': 'until', '#token': 'token' },
          ExpressionAttributeValues: { ':at': at, ':token': token },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  },
});
