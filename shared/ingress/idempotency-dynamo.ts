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
import { ClaimLostError } from './errors';
import type { ClaimOutcome, ClaimRequest, IdempotencyStore } from './idempotency';

const KEY = RUNTIME_TABLES.idempotency.partitionKey;
const TTL = RUNTIME_TABLES.idempotency.ttlAttribute;

export interface DynamoIdempotencyOptions {
  /** How long an unfinished claim blocks others; must exceed the ingress Lambda timeout. @default 60_000 */
  readonly leaseMs?: number;
  readonly now?: () => number;
}

type Item = Record<string, AttributeValue>;
const str = (item: Item | undefined, name: string): string | undefined => item?.[name]?.S;
const num = (item: Item | undefined, name: string): number | undefined => {
  const raw = item?.[name]?.N;
  return raw === undefined ? undefined : Number(raw);
};

/** The item a failed condition found (`ALL_OLD`), read again when the adapter did not return it. */
const itemOf = (error: unknown): Item | undefined =>
  error instanceof ConditionalCheckFailedException ? (error.Item ?? undefined) : undefined;

/** What a claim that found `item` (not expired, another token) answers, unless it can take it over. */
const blockedOutcome = (item: Item, request: ClaimRequest): ClaimOutcome => {
  if (str(item, 'payloadHash') !== request.payloadHash) return { kind: 'conflict' };
  const id = str(item, 'eventId');
  const shardId = str(item, 'shardId');
  const sequenceNumber = str(item, 'sequenceNumber');
  if (str(item, 'state') === 'done' && id && shardId && sequenceNumber)
    return { kind: 'duplicate', result: { id, shardId, sequenceNumber } };
  // A live claim normally finishes within one PutRecords round trip; a stale one is taken over once its
  // lease ends, so a short Retry-After is right in both cases.
  return { kind: 'in-flight', retryAfterSeconds: 1 };
};

/** A pending claim of this payload that is uncertain or past its lease: the next claimant takes it. */
const canTakeOver = (item: Item, request: ClaimRequest, at: number): boolean =>
  str(item, 'state') === 'pending' &&
  str(item, 'payloadHash') === request.payloadHash &&
  (item.uncertain?.BOOL === true || (num(item, 'leaseUntil') ?? 0) < at);

/**
 * DynamoDB adapter of `IdempotencyStore` (table `RUNTIME_TABLES.idempotency`: `pk`, TTL `expiresAt`).
 * A claim is one conditional PutItem that succeeds when the key is new or expired (TTL deletion lags by
 * up to days, so expiry is checked in the condition too): 1 WCU, plus 1 to complete. Taking over an
 * uncertain or stale claim is a second conditional write (UpdateItem on the old token) that keeps the
 * first `claimedAt`. Every conditional write returns the item it failed on (`ALL_OLD`), and a write that
 * finds its own token there is recognised as its own earlier attempt: the SDK re-sends a write whose
 * answer was lost, and that re-send then fails its own condition.
 */
export const createDynamoIdempotencyStore = (
  client: DynamoDBClient,
  tableName: string,
  options: DynamoIdempotencyOptions = {},
): IdempotencyStore => {
  const leaseMs = options.leaseMs ?? 60_000;
  const now = options.now ?? Date.now;
  const key = (pk: string) => ({ [KEY]: { S: pk } });

  const read = async (pk: string): Promise<Item | undefined> =>
    (await client.send(new GetItemCommand({ TableName: tableName, Key: key(pk), ConsistentRead: true })))
      .Item;

  const takeOver = async (request: ClaimRequest, old: Item, at: number): Promise<ClaimOutcome> => {
    const token = randomUUID();
    const takeover = {
      claimedAt: num(old, 'claimedAt') ?? (num(old, 'leaseUntil') ?? at) - leaseMs,
      uncertain: old.uncertain?.BOOL === true,
    };
    try {
      await client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: key(request.pk),
          UpdateExpression: 'SET #token = :token, leaseUntil = :lease REMOVE uncertain',
          ConditionExpression: '#token = :old',
          ExpressionAttributeNames: { '#token': 'token' },
          ExpressionAttributeValues: {
            ':token': { S: token },
            ':lease': { N: String(at + leaseMs) },
            ':old': { S: str(old, 'token') ?? '' },
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const current = itemOf(error) ?? (await read(request.pk));
      // Our own update, stored before its answer was lost and re-sent by the SDK.
      if (str(current, 'token') === token) return { kind: 'claimed', token, takeover };
      // Another claimant took it over first (or it was released): answer as a fresh claim would see it.
      return current ? blockedOutcome(current, request) : { kind: 'in-flight', retryAfterSeconds: 1 };
    }
    return { kind: 'claimed', token, takeover };
  };

  const byToken = (pk: string, token: string, update: string, values: Item = {}) =>
    new UpdateItemCommand({
      TableName: tableName,
      Key: key(pk),
      UpdateExpression: update,
      ConditionExpression: '#token = :token',
      ExpressionAttributeNames: update.includes('#state')
        ? { '#token': 'token', '#state': 'state' }
        : { '#token': 'token' },
      ExpressionAttributeValues: { ':token': { S: token }, ...values },
    });

  const sendOwned = async (pk: string, command: UpdateItemCommand): Promise<void> => {
    try {
      await client.send(command);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new ClaimLostError(pk, { cause: error });
      throw error;
    }
  };

  return {
    async claim(request) {
      const at = now();
      const token = randomUUID();
      try {
        await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: {
              ...key(request.pk),
              state: { S: 'pending' },
              idempotencyKey: { S: request.display },
              payloadHash: { S: request.payloadHash },
              token: { S: token },
              claimedAt: { N: String(at) },
              leaseUntil: { N: String(at + leaseMs) },
              [TTL]: { N: String(Math.ceil(at / 1000) + request.windowHours * 3600) },
            },
            ConditionExpression: 'attribute_not_exists(#pk) OR #ttl < :nowSec',
            ExpressionAttributeNames: { '#pk': KEY, '#ttl': TTL },
            ExpressionAttributeValues: { ':nowSec': { N: String(Math.floor(at / 1000)) } },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return { kind: 'claimed', token };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const item = itemOf(error) ?? (await read(request.pk));
        // Gone between the failed put and the read (released or expired): the caller may simply retry.
        if (!item) return { kind: 'in-flight', retryAfterSeconds: 1 };
        // Our own put, stored before its answer was lost and re-sent by the SDK.
        if (str(item, 'token') === token) return { kind: 'claimed', token };
        if (canTakeOver(item, request, at)) return takeOver(request, item, at);
        return blockedOutcome(item, request);
      }
    },

    async complete(pk, token, result) {
      // Idempotent under the SDK's re-send: the token is unchanged by the first attempt.
      await sendOwned(
        pk,
        byToken(
          pk,
          token,
          'SET #state = :done, eventId = :id, shardId = :shard, sequenceNumber = :seq REMOVE leaseUntil, uncertain',
          {
            ':done': { S: 'done' },
            ':id': { S: result.id },
            ':shard': { S: result.shardId },
            ':seq': { S: result.sequenceNumber },
          },
        ),
      );
    },

    async markUncertain(pk, token) {
      await sendOwned(pk, byToken(pk, token, 'SET uncertain = :yes', { ':yes': { BOOL: true } }));
    },

    async release(pk, token) {
      try {
        await client.send(
          new DeleteItemCommand({
            TableName: tableName,
            Key: key(pk),
            ConditionExpression: '#token = :token',
            ExpressionAttributeNames: { '#token': 'token' },
            ExpressionAttributeValues: { ':token': { S: token } },
          }),
        );
      } catch (error) {
        // Gone (our own delete, re-sent after a lost answer) or taken over after our lease ran out: either
        // way this claimant holds nothing to release.
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    },
  };
};
