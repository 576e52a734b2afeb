import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { CheckpointConflictError } from './errors';
import { fencedOp, type MergeFrom, runtimeConditioned, type TransactItem } from './fenced-dynamo';
import { outboxPk } from './outbox';
import { parkedChunks, parkedItems } from './parked-items';
import { cancelledItem } from './returned-item';
import { type Checkpoint, type Commit, checkpointKey, type ShardPosition } from './store';
import { sweepKey, TOMBSTONE_GRACE_MS } from './tombstones';

/** What the DynamoDB store lends its commit: the client, the tables and three of its helpers. */
export interface CommitDeps {
  readonly client: DynamoDBDocumentClient;
  readonly options: {
    readonly service: string;
    readonly checkpointsTable: string;
    readonly parkingTable: string;
    readonly outboxTable: string;
    readonly tombstoneGraceMs?: number;
    readonly now?: () => number;
  };
  readonly physical: (table: string) => string;
  readonly batchWrite: (writes: { PutRequest: { Item: Record<string, unknown> } }[]) => Promise<void>;
  readonly checkpointOf: (position: ShardPosition, sk: string) => Promise<Checkpoint>;
}

export const expectedCondition = (expected: string | undefined) =>
  expected === undefined
    ? { ConditionExpression: 'attribute_not_exists(seq)' }
    : { ConditionExpression: 'seq = :expected', ExpressionAttributeValues: { ':expected': expected } };

/**
 * Sends one commit's transaction. Returns the fenced writes whose fast condition failed when no
 * checkpoint condition did (the caller reads and merges them); a lost checkpoint race throws.
 */
export const sendCommit = async (
  deps: CommitDeps,
  commit: Commit,
  merges: ReadonlyMap<number, MergeFrom>,
): Promise<
  { index: number; error: TransactionCanceledException; item: Record<string, unknown> | undefined }[]
> => {
  const { client, options, physical, batchWrite, checkpointOf } = deps;
  const service = options.service;
  const { position } = commit;
  // One time for the commit: its fences' write time, and its tombstones' grace start.
  const at = (options.now ?? Date.now)();
  const items: TransactItem[] = commit.writes.map((w, i) =>
    fencedOp(physical(w.table), w, at, merges.get(i)),
  );
  // A delete that leaves a tombstone (its own fence, or another unit's unsettled one) notes it for a
  // sweep after the grace, in the same transaction (after the writes, so a cancellation reason's index
  // still names its write). `tombstoneEntries` counts these for the 100-item limit.
  const sweepAfter = at + (options.tombstoneGraceMs ?? TOMBSTONE_GRACE_MS);
  commit.writes.forEach((w, i) => {
    if (w.kind === 'delete' && items[i]?.Put)
      items.push({ Put: { TableName: options.parkingTable, Item: { ...sweepKey(service, w), sweepAfter } } });
  });
  if (commit.park) {
    // Chunks first, outside the transaction: plain puts of the same content are idempotent, and a
    // record of any size then parks (a 10 MiB record would not fit a 4 MB transaction).
    const chunks = parkedChunks(service, commit.park);
    await batchWrite(chunks.map((Item) => ({ PutRequest: { Item } })));
    items.push(...parkedItems(options.parkingTable, service, commit.park));
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
  // One token per commit call, passed to DynamoDB as ClientRequestToken (the SDK keeps it across
  // its own retries) and stored on every moved checkpoint: a retry whose first try took effect is
  // recognised as ours below instead of being misread as a lost race.
  const token = randomUUID();
  const now = Date.now();
  // Checkpoint moves go last, so a cancellation reason at their index tells a lost race apart
  // from a failed condition on a state write.
  const firstMove = items.length;
  const started = commit.started;
  const startedOnMove = started !== undefined && commit.moves.some((m) => m.sk === started.sk);
  for (const move of commit.moves) {
    const cond = expectedCondition(move.expected);
    const mark = startedOnMove && started?.sk === move.sk;
    const flag = commit.flagKeyMarkers === true && move.sk === position.shardId;
    // The copy memory is written only when it changed: the normal path leaves it untouched.
    const memory = move.copies?.memory;
    const setMemory = memory !== undefined ? ', recentCopies = :copies' : '';
    const removeMemory = `${move.copies && memory === undefined ? ', recentCopies' : ''}${
      move.clearFencedTo ? ', fencedTo' : ''
    }`;
    items.push({
      Update: {
        TableName: options.checkpointsTable,
        Key: checkpointKey(position, move.sk),
        UpdateExpression: `SET seq = :next, arrivedAt = :arrivedAt, updatedAt = :now, commitToken = :token${
          mark ? ', started = :started' : ''
        }${flag ? ', keyMarkers = :true' : ''}${setMemory} REMOVE failure${mark ? '' : ', started'}${removeMemory}`,
        ConditionExpression: cond.ConditionExpression,
        ExpressionAttributeValues: {
          ...cond.ExpressionAttributeValues,
          ':next': move.next.sequenceNumber,
          ':arrivedAt': move.next.arrivedAt,
          ':now': now,
          ':token': token,
          ...(mark && { ':started': started.mark }),
          ...(flag && { ':true': true }),
          ...(memory && { ':copies': memory }),
        },
      },
    });
  }
  if (started && !startedOnMove) {
    const cond = expectedCondition(started.expected);
    items.push({
      Update: {
        TableName: options.checkpointsTable,
        Key: checkpointKey(position, started.sk),
        UpdateExpression: 'SET started = :started, updatedAt = :now',
        ConditionExpression: cond.ConditionExpression,
        ExpressionAttributeValues: {
          ...cond.ExpressionAttributeValues,
          ':started': started.mark,
          ':now': now,
        },
      },
    });
  }
  if (commit.flagKeyMarkers && !commit.moves.some((m) => m.sk === position.shardId))
    items.push({
      Update: {
        TableName: options.checkpointsTable,
        Key: checkpointKey(position, position.shardId),
        UpdateExpression: 'SET keyMarkers = :true',
        ExpressionAttributeValues: { ':true': true },
      },
    });
  const conflict = (cause: unknown) =>
    new CheckpointConflictError(`${position.service}#${position.topic}/${position.shardId}`, { cause });
  const only = items.length === 1 ? items[0]?.Update : undefined;
  if (only && firstMove === 0) {
    // One checkpoint move and nothing else (the batch's single-item events were written alone): a
    // plain conditional UpdateItem, 1 WCU where a one-item transaction costs 2.
    try {
      await client.send(new UpdateCommand(only));
      return [];
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const first = commit.moves[0];
      if (first && (await checkpointOf(position, first.sk)).commitToken === token) return [];
      throw conflict(error);
    }
  }
  try {
    await client.send(new TransactWriteCommand({ TransactItems: items, ClientRequestToken: token }));
  } catch (error) {
    if (error instanceof TransactionCanceledException) {
      const reasons = error.CancellationReasons ?? [];
      if (reasons.slice(firstMove).some((r) => r?.Code === 'ConditionalCheckFailed')) {
        const first = commit.moves[0];
        if (first && (await checkpointOf(position, first.sk)).commitToken === token) return [];
        throw conflict(error);
      }
      const fenced = reasons.slice(0, commit.writes.length).flatMap((r, index) => {
        const write = commit.writes[index];
        return r?.Code === 'ConditionalCheckFailed' && write !== undefined && runtimeConditioned(write)
          ? [{ index, error, item: cancelledItem(error, index) }]
          : [];
      });
      if (fenced.length > 0) return fenced;
    }
    throw error;
  }
  return [];
};
