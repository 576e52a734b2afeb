import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { expectedCondition, sendCommit } from './dynamo-commit';
import { sweepDynamo } from './dynamo-sweep';
import { AlreadyAppliedError, CheckpointConflictError, UnknownTableError } from './errors';
import { fencesOf, settledUnits, storedFencesOf, unitOf, unitParts, userView, writtenFences } from './fence';
import { classify, fencedOp, type MergeFrom, prunes } from './fenced-dynamo';
import { type OutboxEntry, outboxPk } from './outbox';
import { returnedItem } from './returned-item';
import {
  type AttemptStart,
  type Checkpoint,
  type Commit,
  type ConsumerStore,
  type CopyMemory,
  checkpointKey,
  type FailureRecord,
  type ShardPosition,
} from './store';
import { TOMBSTONE_GRACE_MS } from './tombstones';
import type { StateWrite } from './types';

export interface DynamoStoreOptions {
  readonly client: DynamoDBDocumentClient;
  readonly service: string;
  readonly checkpointsTable: string;
  readonly parkingTable: string;
  readonly outboxTable: string;
  /** Logical state table name -> physical table name. */
  readonly stateTables: Readonly<Record<string, string>>;
  /**
   * How long a tombstone stays after its delete before a sweep may remove it: longer than a request of
   * the deleting unit can be in flight (tombstones.ts). Shorter is for local mode and tests; it reopens
   * the late-landing window it closes. @default TOMBSTONE_GRACE_MS (15 min 2 s)
   */
  readonly tombstoneGraceMs?: number;
  /** The clock of `sweepAfter` (tests). @default Date.now */
  readonly now?: () => number;
}

/** Reads and resends of a fenced write whose item keeps changing under it, before "retry later". */
const FENCE_RETRIES = 4;

/** A state item changed under a fenced write on every try (contention): retry the batch later. */
class FenceContendedError extends Error {
  readonly code = 'RETRY_LATER';
  constructor(table: string) {
    super(`${table}: an item kept changing under a fenced write; retry later`);
    this.name = 'FenceContendedError';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const toStarted = (v: unknown): AttemptStart | undefined =>
  isObject(v) && typeof v.seq === 'string' && typeof v.token === 'string'
    ? {
        seq: v.seq,
        token: v.token,
        careful: v.careful === true,
        at: Number(v.at ?? 0),
        ...(typeof v.deadline === 'number' && { deadline: v.deadline }),
        ...(typeof v.fenceTo === 'string' && { fenceTo: v.fenceTo }),
      }
    : undefined;
const toFailure = (v: unknown): FailureRecord | undefined =>
  isObject(v) && typeof v.sequenceNumber === 'string'
    ? { sequenceNumber: v.sequenceNumber, attempts: Number(v.attempts ?? 0), error: String(v.error ?? '') }
    : undefined;

const toMemory = (v: unknown): CopyMemory | undefined => {
  if (!isObject(v) || !isObject(v.ids)) return undefined;
  const ids = Object.fromEntries(Object.entries(v.ids).map(([k, at]) => [k, Number(at)]));
  return { ids, ...(typeof v.overflowUntil === 'number' && { overflowUntil: v.overflowUntil }) };
};

const toCheckpoint = (item: Record<string, unknown>): Checkpoint => {
  const started = toStarted(item.started);
  const failure = toFailure(item.failure);
  const recentCopies = toMemory(item.recentCopies);
  return {
    ...(typeof item.seq === 'string' && { sequenceNumber: item.seq }),
    ...(typeof item.arrivedAt === 'number' && { arrivedAt: item.arrivedAt }),
    ...(failure && { failure }),
    ...(started && { started }),
    ...(item.keyMarkers === true && { keyMarkers: true }),
    ...(typeof item.commitToken === 'string' && { commitToken: item.commitToken }),
    ...(recentCopies && { recentCopies }),
    ...(typeof item.fencedTo === 'string' && { fencedTo: item.fencedTo }),
  };
};

/** DynamoDB adapter of `ConsumerStore`; every commit is one conditional transaction. */
export const createDynamoStore = (options: DynamoStoreOptions): ConsumerStore => {
  const { client, service } = options;
  // Where this container's last sweep stopped: the next one reads on from there (sweep.ts).
  const sweepCursor: { after?: string } = {};
  const clock = options.now ?? Date.now;
  const graceMs = options.tombstoneGraceMs ?? TOMBSTONE_GRACE_MS;
  const physical = (table: string): string => {
    const name = options.stateTables[table];
    if (name === undefined) throw new UnknownTableError(service, table, Object.keys(options.stateTables));
    return name;
  };

  /** A fenced write's fast condition failed: after a read, merge, or say it is applied or rejected. */
  const mergeAfterRead = async (
    position: ShardPosition,
    write: StateWrite,
    returned: Record<string, unknown> | undefined,
  ) => {
    const pk = write.kind === 'put' ? write.item.pk : write.pk;
    // The item DynamoDB returned with the failure, else a read. A failed read propagates as it came:
    // never taken as "applied" nor as "rejected".
    const raw = returned ?? (await readRaw(write.table, pk));
    const verdict = classify(raw, write);
    if (verdict !== 'retry') return verdict;
    const mine = new Set(writtenFences(write.fences).map((f) => f.unit));
    const now = clock();
    const age = { now, graceMs, untimedAt: now };
    const dropped = prunes(raw, write)
      ? await settledUnits(storedFencesOf(raw), mine, (units) => checkpointsOfUnits(position, units), age)
      : new Set<string>();
    const merge: MergeFrom = { raw, dropped };
    return merge;
  };

  /** The checkpoints of fence units, one BatchGet per topic (consistent reads): absent ones undefined. */
  const checkpointsOfUnits = async (position: ShardPosition, units: readonly string[]) => {
    const out = new Map<string, string | undefined>();
    const byTopic = new Map<string, string[]>();
    for (const unit of units) {
      const { topic, sk } = unitParts(unit);
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), sk]);
    }
    for (const [topic, sks] of byTopic) {
      const found = await loadCheckpoints({ ...position, topic }, sks);
      for (const sk of sks) out.set(unitOf(topic, sk), found.get(sk)?.sequenceNumber);
    }
    return out;
  };

  const readRaw = async (table: string, pk: string) => {
    const out = await client.send(
      new GetCommand({ TableName: physical(table), Key: { pk }, ConsistentRead: true }),
    );
    return out.Item;
  };

  type WriteRequests = NonNullable<ConstructorParameters<typeof BatchWriteCommand>[0]['RequestItems']>;
  const batchWriteTo = async (table: string, writes: NonNullable<WriteRequests[string]>) => {
    for (let i = 0; i < writes.length; i += 25) {
      let requests: WriteRequests = { [table]: writes.slice(i, i + 25) };
      // BatchWriteItem may return unprocessed items under load: resend them until none are left.
      for (let attempt = 0; Object.keys(requests).length > 0 && attempt < 10; attempt++) {
        const out = await client.send(new BatchWriteCommand({ RequestItems: requests }));
        requests = out.UnprocessedItems ?? {};
        if (Object.keys(requests).length > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
      }
      if (Object.keys(requests).length > 0)
        throw new Error(`BatchWriteItem left items unprocessed in ${table}`);
    }
  };
  const batchWrite = (writes: NonNullable<WriteRequests[string]>) =>
    batchWriteTo(options.parkingTable, writes);

  const checkpointOf = async (position: Parameters<ConsumerStore['loadCheckpoints']>[0], sk: string) => {
    const out = await client.send(
      new GetCommand({
        TableName: options.checkpointsTable,
        Key: checkpointKey(position, sk),
        ConsistentRead: true,
      }),
    );
    return out.Item ? toCheckpoint(out.Item) : {};
  };

  const commitOnce = (commit: Commit, merges: ReadonlyMap<number, MergeFrom>) =>
    sendCommit({ client, options, physical, batchWrite, checkpointOf }, commit, merges);

  const loadCheckpoints: ConsumerStore['loadCheckpoints'] = async (position, sks) => {
    const found = new Map<string, Checkpoint>(sks.map((sk) => [sk, {}]));
    for (let i = 0; i < sks.length; i += 100) {
      let keys: Record<string, unknown>[] | undefined = sks
        .slice(i, i + 100)
        .map((sk) => checkpointKey(position, sk));
      for (let attempt = 0; keys && keys.length > 0 && attempt < 10; attempt++) {
        const out: BatchGetCommandOutput = await client.send(
          new BatchGetCommand({
            RequestItems: { [options.checkpointsTable]: { Keys: keys, ConsistentRead: true } },
          }),
        );
        for (const item of out.Responses?.[options.checkpointsTable] ?? [])
          found.set(String(item.sk), toCheckpoint(item));
        keys = out.UnprocessedKeys?.[options.checkpointsTable]?.Keys;
        if (keys?.length) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
      }
    }
    return found;
  };

  return {
    loadCheckpoints,

    async getItem(table, pk) {
      return userView(await readRaw(table, pk));
    },

    async readItem(table, pk) {
      const raw = await readRaw(table, pk);
      return { item: userView(raw), fences: fencesOf(raw) };
    },

    async writeFenced(position, write) {
      let merge: MergeFrom | undefined;
      for (let attempt = 0; attempt < FENCE_RETRIES; attempt++) {
        const op = fencedOp(physical(write.table), write, clock(), merge);
        try {
          if (op.Put) await client.send(new PutCommand(op.Put));
          else if (op.Update) await client.send(new UpdateCommand(op.Update));
          return 'written';
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
          const next = await mergeAfterRead(position, write, returnedItem(error));
          if (next === 'applied') return 'applied';
          if (next === 'rejected') throw error;
          merge = next;
        }
      }
      throw new FenceContendedError(write.table);
    },

    async commit(commit: Commit) {
      const merges = new Map<number, MergeFrom>();
      for (let attempt = 0; attempt < FENCE_RETRIES; attempt++) {
        const failed = await commitOnce(commit, merges);
        if (failed.length === 0) return;
        // Fast fence conditions failed (no checkpoint did): read each item, then merge and resend.
        for (const { index, error, item } of failed) {
          const write = commit.writes[index];
          if (!write) throw error;
          const next = await mergeAfterRead(commit.position, write, item);
          if (next === 'applied')
            throw new AlreadyAppliedError(
              'write',
              write.table,
              write.kind === 'put' ? write.item.pk : write.pk,
            );
          if (next === 'rejected') throw error;
          merges.set(index, next);
        }
      }
      throw new FenceContendedError('a state table');
    },

    async markStarted(position, sk, loaded, mark, failure) {
      const cond = expectedCondition(loaded.expected);
      const previous =
        loaded.previousToken === undefined ? 'attribute_not_exists(started)' : 'started.#token = :previous';
      try {
        await client.send(
          new UpdateCommand({
            TableName: options.checkpointsTable,
            Key: checkpointKey(position, sk),
            UpdateExpression: `SET started = :mark, updatedAt = :now${failure ? ', failure = :failure' : ''}${
              mark.fenceTo !== undefined ? ', fencedTo = :fenceTo' : ''
            }`,
            ConditionExpression: `(${cond.ConditionExpression}) AND ${previous}`,
            ...(loaded.previousToken !== undefined && { ExpressionAttributeNames: { '#token': 'token' } }),
            ExpressionAttributeValues: {
              ...cond.ExpressionAttributeValues,
              ':mark': mark,
              ':now': Date.now(),
              ...(failure && { ':failure': failure }),
              ...(mark.fenceTo !== undefined && { ':fenceTo': mark.fenceTo }),
              ...(loaded.previousToken !== undefined && { ':previous': loaded.previousToken }),
            },
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        // The SDK retries a write whose response was lost; its retry then fails our own condition.
        if ((await checkpointOf(position, sk)).started?.token === mark.token) return;
        throw new CheckpointConflictError(`${position.service}#${position.topic}/${position.shardId}`, {
          cause: error,
        });
      }
    },

    async clearStarted(position, sk, token) {
      try {
        await client.send(
          new UpdateCommand({
            TableName: options.checkpointsTable,
            Key: checkpointKey(position, sk),
            UpdateExpression: 'REMOVE started',
            ConditionExpression: 'started.#token = :token',
            ExpressionAttributeNames: { '#token': 'token' },
            ExpressionAttributeValues: { ':token': token },
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    },

    sweepTombstones(position, sweepOptions) {
      return sweepDynamo(
        {
          client,
          service: options.service,
          parkingTable: options.parkingTable,
          physical,
          readRaw,
          checkpointsOf: (units) => checkpointsOfUnits(position, units),
          cursor: sweepCursor,
          now: options.now ?? Date.now,
          graceMs,
        },
        sweepOptions,
      );
    },

    async loadOutbox(position) {
      const entries: OutboxEntry[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const out = await client.send(
          new QueryCommand({
            TableName: options.outboxTable,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': outboxPk(position) },
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        );
        for (const item of out.Items ?? [])
          entries.push({
            sk: String(item.sk),
            topic: String(item.topic),
            envelope: JSON.parse(String(item.envelope)),
            createdAt: Number(item.createdAt),
            ...(typeof item.sourceKey === 'string' && { sourceKey: item.sourceKey }),
            ...(typeof item.claimToken === 'string' && {
              claim: { at: Number(item.claimedAt), token: item.claimToken },
            }),
          });
        start = out.LastEvaluatedKey;
      } while (start);
      return entries;
    },

    async claimOutbox(position, sk, leaseMs, token) {
      const now = Date.now();
      try {
        // The token clause makes the SDK's retry of a claim whose response was lost succeed: the
        // item then already carries this token, and a plain lease condition would fail on it.
        await client.send(
          new UpdateCommand({
            TableName: options.outboxTable,
            Key: { pk: outboxPk(position), sk },
            UpdateExpression: 'SET claimedAt = :now, claimToken = :token',
            ConditionExpression:
              'attribute_exists(pk) AND (attribute_not_exists(claimedAt) OR claimedAt <= :stale OR claimToken = :token)',
            ExpressionAttributeValues: { ':now': now, ':stale': now - leaseMs, ':token': token },
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },

    async deleteOutbox(position, sks) {
      await batchWriteTo(
        options.outboxTable,
        sks.map((sk) => ({ DeleteRequest: { Key: { pk: outboxPk(position), sk } } })),
      );
    },

    async recordFailure(position, sk, expected, failure, fencedTo) {
      const cond = expectedCondition(expected);
      const restore = fencedTo?.restore;
      const fence = fencedTo === undefined ? '' : restore === undefined ? ', fencedTo' : '';
      try {
        await client.send(
          new UpdateCommand({
            TableName: options.checkpointsTable,
            Key: checkpointKey(position, sk),
            UpdateExpression: `SET failure = :failure, updatedAt = :now${
              restore !== undefined ? ', fencedTo = :fencedTo' : ''
            } REMOVE started${fence}`,
            ConditionExpression: cond.ConditionExpression,
            ExpressionAttributeValues: {
              ...cond.ExpressionAttributeValues,
              ':failure': failure,
              ':now': Date.now(),
              ...(restore !== undefined && { ':fencedTo': restore }),
            },
          }),
        );
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException)
          throw new CheckpointConflictError(`${position.service}#${position.topic}/${position.shardId}`, {
            cause: error,
          });
        throw error;
      }
    },
  };
};
