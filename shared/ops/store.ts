import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import {
  auditPk,
  auditSk,
  type ParkingItem,
  parkedChunkPk,
  parkedPk,
  parseParkingItem,
  sessionKey,
  subscriptionPk,
} from '../layout';
import { type CheckpointView, type KeyMarkerView, parseCheckpointItem } from './checkpoints';
import { OpsError } from './errors';

export type { CheckpointView, KeyMarkerView } from './checkpoints';

/** A parked event (the runtime's parking item, shared/layout `ParkingItem`). */
export type ParkedItem = ParkingItem;

/** An open replay, rebuild or redrive session, so a rerun after Ctrl-C or a crash resumes it. */
export const sessionSchema = z.object({
  kind: z.enum(['session', 'rebuild', 'redrive']),
  scope: z.string(),
  startedAt: z.number(),
  phase: z.enum(['delete', 'replay', 'redrive']),
  from: z.string().optional(),
  to: z.string().optional(),
  /** Per shard: the last sequence number the session delivers (rebuild: the live checkpoint at pause). */
  ends: z.record(z.string(), z.string()).default({}),
  /** `shardId#sequenceNumber` of events parked when the session began: not applied live, not replayed. */
  parked: z.array(z.string()).default([]),
  tables: z.array(z.string()).default([]),
});
export type Session = z.infer<typeof sessionSchema>;

export interface OpsTables {
  readonly checkpoints: string;
  readonly parking: string;
}

const queryAll = async (
  client: DynamoDBDocumentClient,
  input: QueryCommandInput,
): Promise<Record<string, unknown>[]> => {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
};

/** The runtime's checkpoint items of a subscription (`pk = service#topic`), those that parse. */
const checkpointItems = async (
  client: DynamoDBDocumentClient,
  tables: OpsTables,
  service: string,
  topic: string,
) =>
  (
    await queryAll(client, {
      TableName: tables.checkpoints,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': subscriptionPk(service, topic) },
      ConsistentRead: true,
    })
  ).flatMap((item) => parseCheckpointItem(item) ?? []);

const parseParked = (items: Record<string, unknown>[]): ParkedItem[] =>
  items.flatMap((item) => parseParkingItem(item) ?? []);

/**
 * The chunk items of a parked record too large for one item (see shared/consumer `parkedChunks`):
 * `pk = chunks#<service>`, `sk = <parking sk>#0000..`, in order.
 */
const chunksOf = async (
  client: DynamoDBDocumentClient,
  tables: OpsTables,
  item: ParkedItem,
): Promise<{ pk: string; sk: string; data: string }[]> =>
  item.dataChunks === undefined
    ? []
    : (
        await queryAll(client, {
          TableName: tables.parking,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
          ExpressionAttributeValues: { ':pk': parkedChunkPk(item.pk), ':sk': `${item.sk}#` },
          ConsistentRead: true,
        })
      ).map((c) => ({ pk: String(c.pk), sk: String(c.sk), data: String(c.data ?? '') }));

/** The parked item with its record data whole again, whether it was stored inline or in chunks. */
const withChunks = async (
  client: DynamoDBDocumentClient,
  tables: OpsTables,
  item: ParkedItem,
): Promise<ParkedItem> => {
  const chunks = await chunksOf(client, tables, item);
  if (item.dataChunks === undefined) return item;
  if (chunks.length !== item.dataChunks)
    throw new OpsError(
      'PARKED_INCOMPLETE',
      `parked event ${item.pk}/${item.sk} has ${chunks.length} of its ${item.dataChunks} data chunks; its data cannot be read whole`,
    );
  return { ...item, data: chunks.map((c) => c.data).join('') };
};

export { auditPk } from '../layout';

export type OpsStore = ReturnType<typeof dynamoOpsStore>;

/**
 * DynamoDB access of the operations paths: reads checkpoints and parked events, keeps session records
 * (`pk = ops#service[#topic]` in the checkpoints table, never a `service#topic` key the runtime uses),
 * deletes state items for a rebuild, and discards parked events with an audit record in one transaction.
 */
export const dynamoOpsStore = (client: DynamoDBDocumentClient, tables: OpsTables) => ({
  /** Every checkpoint of a subscription: live ones (no scope) and those of replay/redrive sessions. */
  async checkpoints(service: string, topic: string): Promise<CheckpointView[]> {
    // Per-key markers (parallelization factor > 1) are not shard positions: see `keyMarkers`.
    return (await checkpointItems(client, tables, service, topic)).flatMap((c) =>
      c.kind === 'shard' ? [c.view] : [],
    );
  },

  /**
   * The per-key markers of a subscription whose parallelization factor is above 1 (the runtime keeps
   * no shard checkpoint then), live and of sessions. One item per partition key ever applied on the
   * shard, so reading them costs in proportion to the subscription's keys, not to its lag.
   */
  async keyMarkers(service: string, topic: string): Promise<KeyMarkerView[]> {
    return (await checkpointItems(client, tables, service, topic)).flatMap((c) =>
      c.kind === 'key' ? [c.view] : [],
    );
  },

  async parked(service: string, topic?: string): Promise<ParkedItem[]> {
    const items = parseParked(
      await queryAll(client, {
        TableName: tables.parking,
        KeyConditionExpression: topic ? 'pk = :pk AND begins_with(sk, :topic)' : 'pk = :pk',
        ExpressionAttributeValues: { ':pk': parkedPk(service), ...(topic && { ':topic': `${topic}#` }) },
        ConsistentRead: true,
      }),
    );
    return Promise.all(items.map((item) => withChunks(client, tables, item)));
  },

  async parkedCount(service: string): Promise<number> {
    let count = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new QueryCommand({
          TableName: tables.parking,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': parkedPk(service) },
          Select: 'COUNT',
          ExclusiveStartKey: start,
        }),
      );
      count += page.Count ?? 0;
      start = page.LastEvaluatedKey;
    } while (start);
    return count;
  },

  async audit(service: string): Promise<Record<string, unknown>[]> {
    return queryAll(client, {
      TableName: tables.parking,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': auditPk(service) },
    });
  },

  async getParked(service: string, sk: string): Promise<ParkedItem | undefined> {
    const out = await client.send(
      new GetCommand({ TableName: tables.parking, Key: { pk: parkedPk(service), sk }, ConsistentRead: true }),
    );
    const item = out.Item ? parseParked([out.Item])[0] : undefined;
    return item && withChunks(client, tables, item);
  },

  async deleteParked(item: ParkedItem): Promise<void> {
    await client.send(new DeleteCommand({ TableName: tables.parking, Key: { pk: item.pk, sk: item.sk } }));
    for (const chunk of await chunksOf(client, tables, item))
      await client.send(
        new DeleteCommand({ TableName: tables.parking, Key: { pk: chunk.pk, sk: chunk.sk } }),
      );
  },

  /** Marks a parked event as failed again in redrive session `session` (keeps the newest error). */
  async markRedriveFailed(item: ParkedItem, session: string, error: string): Promise<void> {
    await client.send(
      new UpdateCommand({
        TableName: tables.parking,
        Key: { pk: item.pk, sk: item.sk },
        UpdateExpression:
          'SET redriveFailedIn = :s, #e = :e, redriveAttempts = if_not_exists(redriveAttempts, :zero) + :one',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#e': 'error' },
        ExpressionAttributeValues: { ':s': session, ':e': error, ':zero': 0, ':one': 1 },
      }),
    );
  },

  /** Deletes the parked event and writes its audit record in one transaction: no discard goes unrecorded. */
  async discardParked(item: ParkedItem, audit: { by: string; reason: string; at: string }): Promise<void> {
    await client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Delete: {
              TableName: tables.parking,
              Key: { pk: item.pk, sk: item.sk },
              ConditionExpression: 'attribute_exists(pk)',
            },
          },
          {
            Put: {
              TableName: tables.parking,
              Item: {
                ...item,
                pk: auditPk(item.pk),
                sk: auditSk(audit.at, item.sk),
                action: 'discard',
                discardedBy: audit.by,
                discardedAt: audit.at,
                reason: audit.reason,
              },
            },
          },
        ],
      }),
    );
  },

  /** Removes a session's checkpoint once the session is done (`sk = shardId#scope`). */
  async deleteCheckpoint(service: string, topic: string, sk: string): Promise<void> {
    await client.send(
      new DeleteCommand({ TableName: tables.checkpoints, Key: { pk: subscriptionPk(service, topic), sk } }),
    );
  },

  async getSession(service: string, topic: string | undefined, kind: string): Promise<Session | undefined> {
    const out = await client.send(
      new GetCommand({
        TableName: tables.checkpoints,
        Key: sessionKey(service, topic, kind),
        ConsistentRead: true,
      }),
    );
    const parsed = sessionSchema.safeParse(out.Item);
    return parsed.success ? parsed.data : undefined;
  },

  async putSession(
    service: string,
    topic: string | undefined,
    kind: string,
    session: Session,
  ): Promise<void> {
    await client.send(
      new PutCommand({
        TableName: tables.checkpoints,
        Item: { ...sessionKey(service, topic, kind), ...session },
      }),
    );
  },

  async deleteSession(service: string, topic: string | undefined, kind: string): Promise<void> {
    await client.send(
      new DeleteCommand({ TableName: tables.checkpoints, Key: sessionKey(service, topic, kind) }),
    );
  },

  /** Deletes state items by `pk`, one DeleteItem each (the operator role has no BatchWriteItem, which could put). */
  async deleteItems(table: string, pks: readonly string[]): Promise<void> {
    for (const pk of pks) await client.send(new DeleteCommand({ TableName: table, Key: { pk } }));
  },
});
