import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { CheckpointConflictError, UnknownTableError } from './errors';
import { type OutboxEntry, outboxPk } from './outbox';
import { type Checkpoint, type Commit, type ConsumerStore, checkpointKey, type FailureRecord } from './store';
import type { StateItem, StateWrite } from './types';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export interface DynamoStoreOptions {
  readonly client: DynamoDBDocumentClient;
  readonly service: string;
  readonly checkpointsTable: string;
  readonly parkingTable: string;
  readonly outboxTable: string;
  /** Logical state table name -> physical table name. */
  readonly stateTables: Readonly<Record<string, string>>;
}

const toCheckpoint = (item: Record<string, unknown>): Checkpoint => ({
  ...(typeof item.seq === 'string' && { sequenceNumber: item.seq }),
  ...(typeof item.arrivedAt === 'number' && { arrivedAt: item.arrivedAt }),
  ...(typeof item.failure === 'object' &&
    item.failure !== null && { failure: item.failure as FailureRecord }),
});

const expectedCondition = (expected: string | undefined) =>
  expected === undefined
    ? { ConditionExpression: 'attribute_not_exists(seq)' }
    : { ConditionExpression: 'seq = :expected', ExpressionAttributeValues: { ':expected': expected } };

/** DynamoDB adapter of `ConsumerStore`; every commit is one conditional transaction. */
export const createDynamoStore = (options: DynamoStoreOptions): ConsumerStore => {
  const { client, service } = options;
  const physical = (table: string): string => {
    const name = options.stateTables[table];
    if (name === undefined) throw new UnknownTableError(service, table, Object.keys(options.stateTables));
    return name;
  };

  const toTransactItem = (write: StateWrite): TransactItem => {
    const TableName = physical(write.table);
    switch (write.kind) {
      case 'put':
        return {
          Put: {
            TableName,
            Item: write.item,
            ...(write.condition && {
              ConditionExpression: write.condition.expression,
              ExpressionAttributeNames: write.condition.names,
              ExpressionAttributeValues: write.condition.values,
            }),
          },
        };
      case 'delete':
        return {
          Delete: {
            TableName,
            Key: { pk: write.pk },
            ...(write.condition && {
              ConditionExpression: write.condition.expression,
              ExpressionAttributeNames: write.condition.names,
              ExpressionAttributeValues: write.condition.values,
            }),
          },
        };
      case 'update':
        return {
          Update: {
            TableName,
            Key: { pk: write.pk },
            UpdateExpression: write.update.updateExpression,
            ConditionExpression: write.update.conditionExpression,
            ExpressionAttributeNames: write.update.names,
            ExpressionAttributeValues: write.update.values,
          },
        };
    }
  };

  return {
    async loadCheckpoints(position, sks) {
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
    },

    async getItem(table, pk) {
      const out = await client.send(
        new GetCommand({ TableName: physical(table), Key: { pk }, ConsistentRead: true }),
      );
      return out.Item as StateItem | undefined;
    },

    async commit(commit: Commit) {
      const { position } = commit;
      const items: TransactItem[] = commit.writes.map(toTransactItem);
      if (commit.park) {
        const { position: _, ...parked } = commit.park;
        items.push({
          Put: {
            TableName: options.parkingTable,
            Item: {
              pk: service,
              sk: `${position.topic}#${position.shardId}#${parked.sequenceNumber}`,
              ...parked,
              topic: position.topic,
              shardId: position.shardId,
              parkedAt: new Date().toISOString(),
            },
          },
        });
      }
      for (const entry of commit.outbox ?? [])
        items.push({
          Put: {
            TableName: options.outboxTable,
            Item: {
              pk: outboxPk(position),
              sk: entry.sk,
              topic: entry.topic,
              envelope: JSON.stringify(entry.envelope),
              createdAt: entry.createdAt,
              sourceKey: entry.sourceKey,
            },
          },
        });
      // Checkpoint moves go last, so a cancellation reason at their index tells a lost race apart
      // from a failed condition on a state write.
      const firstMove = items.length;
      for (const move of commit.moves) {
        const cond = expectedCondition(move.expected);
        items.push({
          Update: {
            TableName: options.checkpointsTable,
            Key: checkpointKey(position, move.sk),
            UpdateExpression: 'SET seq = :next, arrivedAt = :arrivedAt, updatedAt = :now REMOVE failure',
            ConditionExpression: cond.ConditionExpression,
            ExpressionAttributeValues: {
              ...cond.ExpressionAttributeValues,
              ':next': move.next.sequenceNumber,
              ':arrivedAt': move.next.arrivedAt,
              ':now': Date.now(),
            },
          },
        });
      }
      try {
        await client.send(new TransactWriteCommand({ TransactItems: items }));
      } catch (error) {
        if (error instanceof TransactionCanceledException) {
          const reasons = error.CancellationReasons ?? [];
          if (reasons.slice(firstMove).some((r) => r?.Code === 'ConditionalCheckFailed'))
            throw new CheckpointConflictError(`${position.service}#${position.topic}/${position.shardId}`, {
              cause: error,
            });
        }
        throw error;
      }
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
      for (let i = 0; i < sks.length; i += 25) {
        let requests: NonNullable<ConstructorParameters<typeof BatchWriteCommand>[0]['RequestItems']> = {
          [options.outboxTable]: sks
            .slice(i, i + 25)
            .map((sk) => ({ DeleteRequest: { Key: { pk: outboxPk(position), sk } } })),
        };
        // BatchWriteItem may return unprocessed items under load: resend them until none are left.
        for (let attempt = 0; Object.keys(requests).length > 0 && attempt < 10; attempt++) {
          const out = await client.send(new BatchWriteCommand({ RequestItems: requests }));
          requests = out.UnprocessedItems ?? {};
          if (Object.keys(requests).length > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
        }
      }
    },

    async recordFailure(position, sk, expected, failure) {
      const cond = expectedCondition(expected);
      try {
        await client.send(
          new UpdateCommand({
            TableName: options.checkpointsTable,
            Key: checkpointKey(position, sk),
            UpdateExpression: 'SET failure = :failure, updatedAt = :now',
            ConditionExpression: cond.ConditionExpression,
            ExpressionAttributeValues: {
              ...cond.ExpressionAttributeValues,
              ':failure': failure,
              ':now': Date.now(),
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
