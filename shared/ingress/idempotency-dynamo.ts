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
import { claimExpiresAt, claimItem } from './claim-item';
import { ClaimLostError } from './errors';
import type {
  ClaimOutcome,
  ClaimRequest,
  FoundRecords,
  IdempotencyStore,
  SearchProgress,
  UncertainNote,
} from './idempotency';
import { batchClaims, CLAIMS_PER_BATCH } from './idempotency-dynamo-batch';
import type { WrittenRecord } from './writer';

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

/** The item's TTL (epoch seconds) as a claim outcome's `expiresAt`; a takeover keeps the first claim's. */
const ttlOf = (item: Item | undefined): { expiresAt?: number } => {
  const expiresAt = num(item, TTL);
  return expiresAt === undefined ? {} : { expiresAt };
};

/** Where earlier searches for the key stopped (`markUncertain`'s note), if any. */
const searchedOf = (item: Item): SearchProgress | undefined => {
  const map = item.searched?.M;
  if (!map) return undefined;
  const progress: Record<string, string> = {};
  for (const [shard, value] of Object.entries(map)) if (value.S) progress[shard] = value.S;
  return progress;
};

/**
 * A request keyed as a whole stores where its events are as one JSON string of [shardId, sequenceNumber]
 * pairs (`batchRecords`, request order; `batchFound`, by the event's place): about 84 bytes an event
 * (review 18b measured 42,001 B for 500), only after a takeover. DynamoDB bills an UpdateItem by the
 * larger item of before and after, so every later write of the key then costs about its size: ~5 WCU for
 * a batch of 50, ~45 for 500, per takeover, mark or completion (and a failed conditional put of a retry
 * may be billed by the stored item's size). Still far below keys per event on the same path (a takeover
 * and a completion per event: 100 WCU for 50). The item stays far below 400 KB (500 events at Kinesis'
 * longest shard ids and sequence numbers: ~133 KB).
 */
type Pair = [string, string];
const isPair = (value: unknown): value is Pair =>
  Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'string');
/** Thrown for a stored value that is not what this adapter writes (the item was edited by hand). */
const malformed = (name: string) =>
  new Error(
    `idempotency item attribute ${name} is not the JSON this store writes; delete the item to reset the key`,
  );
const pairOf = (r: WrittenRecord): Pair => [r.shardId, r.sequenceNumber];
const recordOf = ([shardId, sequenceNumber]: Pair): WrittenRecord => ({ shardId, sequenceNumber });
const parsedOf = (raw: string, name: string): unknown => {
  try {
    return JSON.parse(raw);
  } catch (cause) {
    throw Object.assign(malformed(name), { cause });
  }
};
const recordsOf = (item: Item): WrittenRecord[] | undefined => {
  const raw = str(item, 'batchRecords');
  if (raw === undefined) return undefined;
  const parsed = parsedOf(raw, 'batchRecords');
  if (!Array.isArray(parsed) || !parsed.every(isPair)) throw malformed('batchRecords');
  return parsed.map(recordOf);
};
const foundOf = (item: Item): FoundRecords | undefined => {
  const raw = str(item, 'batchFound');
  if (raw === undefined) return undefined;
  const parsed = parsedOf(raw, 'batchFound');
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw malformed('batchFound');
  const entries = Object.entries(parsed);
  if (!entries.every(([index, pair]) => /^\d+$/.test(index) && isPair(pair))) throw malformed('batchFound');
  return Object.fromEntries(entries.map(([index, pair]) => [index, recordOf(pair as Pair)]));
};
const foundValue = (found: FoundRecords): AttributeValue => ({
  S: JSON.stringify(Object.fromEntries(Object.entries(found).map(([index, r]) => [index, pairOf(r)]))),
});

/** The item a failed condition found (`ALL_OLD`), read again when the adapter did not return it. */
const itemOf = (error: unknown): Item | undefined =>
  error instanceof ConditionalCheckFailedException ? (error.Item ?? undefined) : undefined;

/**
 * What a claim that found `item` (not expired, another token) answers, unless it can take it over. The
 * live claimant's own claim time is read from the item, never derived from this reader's lease (a deploy
 * that changes the lease would put it off by the difference): a fresh claim's is `claimedAt`, a
 * takeover's `heldSince` (written by the takeover's update, no extra write unit). An item taken over
 * before `heldSince` existed answers its first claim time: earlier than the holder's, so the search reads
 * more, never less.
 */
const blockedOutcome = (item: Item, request: ClaimRequest): ClaimOutcome => {
  if (str(item, 'payloadHash') !== request.payloadHash) return { kind: 'conflict' };
  const id = str(item, 'eventId');
  const shardId = str(item, 'shardId');
  const sequenceNumber = str(item, 'sequenceNumber');
  const records = str(item, 'state') === 'done' ? recordsOf(item) : undefined;
  if (records) return { kind: 'batch-done', records };
  if (str(item, 'state') === 'done' && id && shardId && sequenceNumber)
    return { kind: 'duplicate', result: { id, shardId, sequenceNumber } };
  // A live claim normally finishes within one PutRecords round trip; a stale one is taken over once its
  // lease ends, so a short Retry-After is right in both cases.
  const claimedAt = num(item, 'claimedAt');
  const leaseUntil = num(item, 'leaseUntil');
  const since = num(item, 'heldSince') ?? claimedAt;
  const holder = leaseUntil === undefined || since === undefined ? undefined : { since, leaseUntil };
  return {
    kind: 'in-flight',
    retryAfterSeconds: 1,
    ...(claimedAt === undefined ? {} : { claimedAt }),
    ...(holder ? { holder } : {}),
  };
};

/** A pending claim of this payload that is uncertain or past its lease: the next claimant takes it. */
const canTakeOver = (item: Item, request: ClaimRequest, at: number): boolean =>
  str(item, 'state') === 'pending' &&
  str(item, 'payloadHash') === request.payloadHash &&
  (item.uncertain?.BOOL === true || (num(item, 'leaseUntil') ?? 0) < at);

/**
 * DynamoDB adapter of `IdempotencyStore` (table `RUNTIME_TABLES.idempotency`: `pk`, TTL `expiresAt`).
 * A claim is one conditional write that succeeds when the key is new or expired (TTL deletion lags by
 * up to days, so expiry is checked in the condition too): 1 WCU. `claimMany` sends up to 25 of them per
 * call (`idempotency-dynamo-batch.ts`); `claim` sends one PutItem. Completing costs 1 WCU more, and is
 * skipped where the log keeps the event as long as the key (`logRetentionHours`). Taking over an
 * uncertain or stale claim is a second conditional write (UpdateItem on the old token) that keeps the
 * first `claimedAt`. Every conditional write returns the item it failed on (`ALL_OLD`, or a consistent
 * read where the batch cannot), and a write that finds its own token there is recognised as its own
 * earlier attempt: the SDK re-sends a write whose answer was lost, and that re-send then fails its own
 * condition.
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
    const leaseUntil = at + leaseMs;
    const searched = searchedOf(old);
    const found = foundOf(old);
    const takeover = {
      claimedAt: num(old, 'claimedAt') ?? (num(old, 'leaseUntil') ?? at) - leaseMs,
      uncertain: old.uncertain?.BOOL === true,
      // A fresh claim stores no copiesUntil (its lease end is the same), keeping it one write unit.
      copiesUntil: num(old, 'copiesUntil') ?? num(old, 'leaseUntil') ?? at,
      ...(searched ? { searched } : {}),
      ...(found ? { found } : {}),
    };
    try {
      await client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: key(request.pk),
          // This claimant may write until its lease ends: copies may arrive until then (it gives the old
          // bound back with `markUncertain` if it writes nothing).
          UpdateExpression:
            'SET #token = :token, heldSince = :at, leaseUntil = :lease, copiesUntil = :lease REMOVE uncertain',
          ConditionExpression: '#token = :old',
          ExpressionAttributeNames: { '#token': 'token' },
          ExpressionAttributeValues: {
            ':token': { S: token },
            ':at': { N: String(at) },
            ':lease': { N: String(leaseUntil) },
            ':old': { S: str(old, 'token') ?? '' },
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const current = itemOf(error) ?? (await read(request.pk));
      // Our own update, stored before its answer was lost and re-sent by the SDK.
      if (str(current, 'token') === token)
        return { kind: 'claimed', token, leaseMs, ...ttlOf(current), takeover };
      // Another claimant took it over first (or it was released): answer as a fresh claim would see it.
      return current ? blockedOutcome(current, request) : { kind: 'in-flight', retryAfterSeconds: 1 };
    }
    return { kind: 'claimed', token, leaseMs, ...ttlOf(old), takeover };
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

  /** What a claim with `token` that found `item` in its way answers (own earlier write, takeover, blocked). */
  const decide = (
    request: ClaimRequest,
    token: string,
    item: Item,
    at: number,
  ): Promise<ClaimOutcome> | ClaimOutcome => {
    // Our own write, stored before its answer was lost and re-sent by the SDK.
    if (str(item, 'token') === token) return { kind: 'claimed', token, leaseMs, ...ttlOf(item) };
    if (canTakeOver(item, request, at)) return takeOver(request, item, at);
    return blockedOutcome(item, request);
  };

  /** One conditional PutItem with a given token, so a re-send of any earlier write with it is recognised. */
  const claimOne = async (request: ClaimRequest, token: string, at: number): Promise<ClaimOutcome> => {
    try {
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: claimItem(request, token, at, leaseMs),
          ConditionExpression: 'attribute_not_exists(#pk) OR #ttl < :nowSec',
          ExpressionAttributeNames: { '#pk': KEY, '#ttl': TTL },
          ExpressionAttributeValues: { ':nowSec': { N: String(Math.floor(at / 1000)) } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { kind: 'claimed', token, leaseMs, expiresAt: claimExpiresAt(request, at) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const item = itemOf(error) ?? (await read(request.pk));
      // Gone between the failed put and the read (released or expired): the caller may simply retry.
      if (!item) return { kind: 'in-flight', retryAfterSeconds: 1 };
      return decide(request, token, item, at);
    }
  };

  const release = async (pk: string, token: string): Promise<void> => {
    try {
      await client.send(
        new DeleteItemCommand({
          TableName: tableName,
          Key: key(pk),
          // A completed key is never dropped: its event is in the log (a search found it).
          ConditionExpression: '#token = :token AND #state = :pending',
          ExpressionAttributeNames: { '#token': 'token', '#state': 'state' },
          ExpressionAttributeValues: { ':token': { S: token }, ':pending': { S: 'pending' } },
        }),
      );
    } catch (error) {
      // Gone (our own delete, re-sent after a lost answer) or taken over after our lease ran out: either
      // way this claimant holds nothing to release.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  };

  const markUncertain = async (pk: string, token: string, note?: UncertainNote): Promise<void> => {
    const values: Item = { ':yes': { BOOL: true } };
    let update = 'SET uncertain = :yes';
    if (note?.copiesUntil !== undefined) {
      update += ', copiesUntil = :copies';
      values[':copies'] = { N: String(note.copiesUntil) };
    }
    if (note?.found) {
      update += ', batchFound = :found';
      values[':found'] = foundValue(note.found);
    }
    if (note?.searched) {
      update += ', searched = :searched';
      values[':searched'] = {
        M: Object.fromEntries(Object.entries(note.searched).map(([shard, seq]) => [shard, { S: seq }])),
      };
    }
    await sendOwned(pk, byToken(pk, token, update, values));
  };

  const claimMany = batchClaims(client, tableName, leaseMs, {
    claimOne,
    release,
    markUncertain,
    // A key the batch found taken: decided on its item, read (a read unit, not a second write) unless it is
    // gone or expired, where the conditional put takes it.
    async afterDuplicate(request, token, at) {
      const item = await read(request.pk);
      const expired = (num(item, TTL) ?? 0) < Math.floor(at / 1000);
      return !item || expired ? claimOne(request, token, at) : decide(request, token, item, at);
    },
  });

  return {
    claim: (request) => claimOne(request, randomUUID(), now()),
    claimMany: (requests) => claimMany(requests, now()),
    claimBatchSize: CLAIMS_PER_BATCH,

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

    async completeBatch(pk, token, records) {
      // Idempotent under the SDK's re-send, as `complete`. What searches kept is no longer needed.
      await sendOwned(
        pk,
        byToken(
          pk,
          token,
          'SET #state = :done, batchRecords = :records REMOVE leaseUntil, uncertain, batchFound, searched',
          { ':done': { S: 'done' }, ':records': { S: JSON.stringify(records.map(pairOf)) } },
        ),
      );
    },

    markUncertain,

    async recordFound(pk, payloadHash, result) {
      try {
        await client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: key(pk),
            UpdateExpression:
              'SET #state = :done, eventId = :id, shardId = :shard, sequenceNumber = :seq REMOVE uncertain',
            ConditionExpression: '#state = :pending AND payloadHash = :hash',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: {
              ':done': { S: 'done' },
              ':pending': { S: 'pending' },
              ':hash': { S: payloadHash },
              ':id': { S: result.id },
              ':shard': { S: result.shardId },
              ':seq': { S: result.sequenceNumber },
            },
          }),
        );
      } catch (error) {
        // Already completed (by its claimant or another finder, or our own re-sent update), or gone.
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    },

    release,
  };
};
