import { randomUUID } from 'node:crypto';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { RUNTIME_TABLES } from '../config';
import type { ClaimOutcome, ClaimRequest, IdempotencyStore } from './idempotency';

const KEY = RUNTIME_TABLES.idempotency.partitionKey;
const TTL = RUNTIME_TABLES.idempotency.ttlAttribute;

export interface DynamoIdempotencyOptions {
  /** How long an unfinished claim blocks others; must exceed the ingress Lambda timeout. @default 60_000 */
  readonly leaseMs?: number;
  readonly now?: () => number;
}

const str = (item: Record<string, AttributeValue> | undefined, name: string): string | undefined =>
  item?.[name]?.S;

const outcomeOf = (item: Record<string, AttributeValue>, request: ClaimRequest): ClaimOutcome => {
  if (str(item, 'payloadHash') !== request.payloadHash) return { kind: 'conflict' };
  const id = str(item, 'eventId');
  const shardId = str(item, 'shardId');
  const sequenceNumber = str(item, 'sequenceNumber');
  if (str(item, 'state') === 'done' && id && shardId && sequenceNumber)
    return { kind: 'duplicate', result: { id, shardId, sequenceNumber } };
  // A live claim normally finishes within one PutRecords round trip; a stale one is taken over by the
  // claim condition once its lease ends, so a short Retry-After is right in both cases.
  return { kind: 'in-flight', retryAfterSeconds: 1 };
};

const num = (item: Record<string, AttributeValue> | undefined, name: string): number | undefined => {
  const raw = item?.[name]?.N;
  return raw === undefined ? undefined : Number(raw);
};

/** The replaced item was an unfinished claim of this payload, still inside its window: a takeover. */
const staleClaim = (
  old: Record<string, AttributeValue> | undefined,
  request: ClaimRequest,
  at: number,
  leaseMs: number,
): { claimedAt: number } | undefined => {
  if (!old || str(old, 'state') !== 'pending' || str(old, 'payloadHash') !== request.payloadHash)
    return undefined;
  if ((num(old, TTL) ?? 0) < Math.floor(at / 1000)) return undefined;
  // Items written before `claimedAt` existed: the lease end minus this store's lease is the best guess.
  const claimedAt = num(old, 'claimedAt') ?? (num(old, 'leaseUntil') ?? at) - leaseMs;
  return { claimedAt };
};

/**
 * DynamoDB adapter of `IdempotencyStore` (table `RUNTIME_TABLES.idempotency`: `pk`, TTL `expiresAt`).
 * A claim is one conditional PutItem: it succeeds when the key is new, expired (TTL deletion lags by up
 * to days, so expiry is checked in the condition too), or an unfinished claim of the same payload whose
 * lease ran out. One write per new key, one more to complete it: 2 WCU per deduplicated event.
 */
export const createDynamoIdempotencyStore = (
  client: DynamoDBClient,
  tableName: string,
  options: DynamoIdempotencyOptions = {},
): IdempotencyStore => {
  const leaseMs = options.leaseMs ?? 60_000;
  const now = options.now ?? Date.now;
  return {
    async claim(request) {
      const at = now();
      const token = randomUUID();
      try {
        const put = await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: {
              [KEY]: { S: request.pk },
              state: { S: 'pending' },
              idempotencyKey: { S: request.display },
              payloadHash: { S: request.payloadHash },
              token: { S: token },
              claimedAt: { N: String(at) },
              leaseUntil: { N: String(at + leaseMs) },
              [TTL]: { N: String(Math.ceil(at / 1000) + request.windowHours * 3600) },
            },
            ConditionExpression:
              'attribute_not_exists(#pk) OR #ttl < :nowSec OR (#state = :pending AND leaseUntil < :nowMs AND payloadHash = :hash)',
            ExpressionAttributeNames: { '#pk': KEY, '#ttl': TTL, '#state': 'state' },
            ExpressionAttributeValues: {
              ':nowSec': { N: String(Math.floor(at / 1000)) },
              ':nowMs': { N: String(at) },
              ':pending': { S: 'pending' },
              ':hash': { S: request.payloadHash },
            },
            ReturnValues: 'ALL_OLD',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        const takeover = staleClaim(put?.Attributes, request, at, leaseMs);
        return takeover ? { kind: 'claimed', token, takeover } : { kind: 'claimed', token };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const item =
          error.Item ??
          (
            await client.send(
              new GetItemCommand({
                TableName: tableName,
                Key: { [KEY]: { S: request.pk } },
                ConsistentRead: true,
              }),
            )
          ).Item;
        // Gone between the failed put and the read (released or expired): the caller may simply retry.
        if (!item) return { kind: 'in-flight', retryAfterSeconds: 1 };
        return outcomeOf(item, request);
      }
    },

    async complete(pk, token, result) {
      await client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: { [KEY]: { S: pk } },
          UpdateExpression:
            'SET #state = :done, eventId = :id, shardId = :shard, sequenceNumber = :seq REMOVE leaseUntil',
          ConditionExpression: '#token = :token',
          ExpressionAttributeNames: { '#state': 'state', '#token': 'token' },
          ExpressionAttributeValues: {
            ':done': { S: 'done' },
            ':id': { S: result.id },
            ':shard': { S: result.shardId },
            ':seq': { S: result.sequenceNumber },
            ':token': { S: token },
          },
        }),
      );
    },

    async release(pk, token) {
      try {
        await client.send(
          new DeleteItemCommand({
            TableName: tableName,
            Key: { [KEY]: { S: pk } },
            ConditionExpression: '#token = :token',
            ExpressionAttributeNames: { '#token': 'token' },
            ExpressionAttributeValues: { ':token': { S: token } },
          }),
        );
      } catch (error) {
        // Someone took the claim over after our lease ran out: it is theirs now, nothing to release.
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    },
  };
};
