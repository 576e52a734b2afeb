import {
  BatchGetCommand,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { type ParkedEvent, parkedChunks, parkedItems } from '../consumer';
import { createDynamoBatchClaims, isConditionFailure } from './batch-claims';
import { CdcStoreThrottledError } from './errors';
import { pendingFromItem, pendingItem } from './pending-items';
import type {
  CdcStore,
  ParkedChange,
  PendingCapture,
  SegmentProgress,
  SnapshotMarker,
  SnapshotState,
} from './store';

export interface DynamoCdcStoreOptions {
  readonly client: DynamoDBDocumentClient;
  readonly source: string;
  readonly topic: string;
  readonly checkpointsTable: string;
  readonly parkingTable: string;
  /** A table with a TTL on `expiresAt` keyed by `pk` (the runtime idempotency table). */
  readonly batchesTable: string;
}

/** BatchWriteItem calls per part before `CdcStoreThrottledError`. */
const BATCH_WRITE_ATTEMPTS = 10;

/** Leading key of every item a source keeps in the checkpoints table (the IAM grant's prefix). */
export const cdcPkPrefix = (source: string): string => `cdc#${source}`;

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

const ignoringConditionFailure = async (call: Promise<unknown>): Promise<void> => {
  try {
    await call;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
};

const chunk = <T>(items: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

/** The CDC store on DynamoDB: strongly consistent reads, conditional writes where two writers could race. */
export const createDynamoCdcStore = (options: DynamoCdcStoreOptions): CdcStore => {
  const { client, checkpointsTable: TableName } = options;
  const pk = cdcPkPrefix(options.source);
  const markerPk = (key: string) => `${pk}#item#${key}`;
  const pendingPk = (segment: number) => `${pk}#pending#${segment}`;
  const get = async (sk: string, keyPk = pk) =>
    (await client.send(new GetCommand({ TableName, Key: { pk: keyPk, sk }, ConsistentRead: true }))).Item;

  const batchWrite = async (requests: Record<string, unknown>[], table: string) => {
    for (const part of chunk(requests, 25)) {
      let pending: Record<string, unknown>[] = part;
      // Unprocessed items are throttled ones: send them again, a bounded number of times (about 7 s
      // of backoff), then fail the page: it is retried by the next run, not past this one's lease.
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt >= BATCH_WRITE_ATTEMPTS) throw new CdcStoreThrottledError(table, pending.length);
        const out = await client.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
        pending = (out.UnprocessedItems?.[table] ?? []) as Record<string, unknown>[];
        if (pending.length > 0) await new Promise((r) => setTimeout(r, Math.min(1_000, 50 * 2 ** attempt)));
      }
    }
  };

  return {
    async snapshot() {
      const item = await get('snapshot');
      if (!item) return undefined;
      const finishedAt = num(item.finishedAt);
      return {
        startedAt: Number(item.startedAt),
        streamArn: String(item.streamArn),
        segments: Number(item.segments),
        ...(finishedAt !== undefined && { finishedAt }),
      };
    },

    async beginSnapshot(state: SnapshotState) {
      try {
        await client.send(
          new PutCommand({
            TableName,
            Item: { pk, sk: 'snapshot', ...state },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return state;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        const held = await this.snapshot();
        if (!held) throw error;
        return held;
      }
    },

    async claimSnapshot(token, until, now) {
      try {
        await client.send(
          new UpdateCommand({
            TableName,
            Key: { pk, sk: 'snapshot' },
            UpdateExpression: 'SET leaseToken = :token, leaseUntil = :until',
            ConditionExpression:
              'attribute_exists(pk) AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now OR leaseToken = :token)',
            ExpressionAttributeValues: { ':token': token, ':until': until, ':now': now },
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },

    async finishSnapshot(at) {
      await client.send(
        new UpdateCommand({
          TableName,
          Key: { pk, sk: 'snapshot' },
          UpdateExpression: 'SET finishedAt = if_not_exists(finishedAt, :at) REMOVE leaseToken, leaseUntil',
          ExpressionAttributeValues: { ':at': at },
        }),
      );
    },

    async segment(n) {
      const item = await get(`segment#${n}`);
      const next = str(item?.next);
      return {
        done: item?.done === true,
        pages: num(item?.pages) ?? 0,
        items: num(item?.items) ?? 0,
        ...(next !== undefined && { next }),
      };
    },

    async saveSegment(n, progress: SegmentProgress) {
      // Progress never moves back: a stale runner's older page count fails the condition and is
      // dropped (the newer progress holds).
      await ignoringConditionFailure(
        client.send(
          new PutCommand({
            TableName,
            Item: { pk, sk: `segment#${n}`, ...progress },
            ConditionExpression: 'attribute_not_exists(#pages) OR #pages < :pages',
            ExpressionAttributeNames: { '#pages': 'pages' },
            ExpressionAttributeValues: { ':pages': progress.pages },
          }),
        ),
      );
    },

    async markers(keys) {
      const found = new Map<string, SnapshotMarker>();
      for (const part of chunk([...new Set(keys)], 100)) {
        let pending: Record<string, unknown>[] = part.map((k) => ({ pk: markerPk(k), sk: 'snapshot' }));
        for (let attempt = 0; pending.length > 0; attempt++) {
          const out = await client.send(
            new BatchGetCommand({ RequestItems: { [TableName]: { Keys: pending, ConsistentRead: true } } }),
          );
          for (const item of out.Responses?.[TableName] ?? [])
            found.set(String(item.key), { version: Number(item.version), at: Number(item.at) });
          pending = (out.UnprocessedKeys?.[TableName]?.Keys ?? []) as Record<string, unknown>[];
          if (pending.length > 0) await new Promise((r) => setTimeout(r, Math.min(1_000, 50 * 2 ** attempt)));
        }
      }
      return found;
    },

    async pending(segment) {
      const out: PendingCapture[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': pendingPk(segment) },
            ConsistentRead: true,
            ...(start && { ExclusiveStartKey: start }),
          }),
        );
        for (const item of page.Items ?? []) out.push(pendingFromItem(item));
        start = page.LastEvaluatedKey;
      } while (start);
      return out;
    },

    async putPending(segment, captures) {
      await batchWrite(
        captures.map((c) => ({ PutRequest: { Item: pendingItem(pendingPk(segment), c) } })),
        TableName,
      );
    },

    async confirm(segment, markers, done) {
      // Markers first: a death between the two leaves pending captures, which the next runner
      // publishes again marked and confirms again (same markers), so nothing is lost or doubled.
      // One conditional write per marker (a BatchWrite put cannot have a condition): a marker never
      // goes down to a lower version, whoever writes late. Same WCUs as a batch, more requests.
      for (const part of chunk([...markers], 25))
        await Promise.all(
          part.map(([key, m]) =>
            ignoringConditionFailure(
              client.send(
                new PutCommand({
                  TableName,
                  Item: { pk: markerPk(key), sk: 'snapshot', key, version: m.version, at: m.at },
                  ConditionExpression: 'attribute_not_exists(#version) OR #version < :version',
                  ExpressionAttributeNames: { '#version': 'version' },
                  ExpressionAttributeValues: { ':version': m.version },
                }),
              ),
            ),
          ),
        );
      await batchWrite(
        done.map((key) => ({ DeleteRequest: { Key: { pk: pendingPk(segment), sk: key } } })),
        TableName,
      );
    },

    ...createDynamoBatchClaims(client, options.batchesTable, pk),

    async park(changes: readonly ParkedChange[]) {
      for (const change of changes) {
        const parked: ParkedEvent = {
          position: { service: options.source, topic: options.topic, shardId: change.shardId },
          sequenceNumber: change.sequenceNumber,
          partitionKey: change.partitionKey,
          data: change.data,
          eventId: change.eventId,
          eventType: change.eventType,
          error: change.error,
          errorDetails: change.errorDetails,
          attempts: 1,
          arrivedAt: change.arrivedAt,
        };
        // Chunks first, as the consumer runtime does: the parking item names how many there are.
        await batchWrite(
          parkedChunks(options.source, parked).map((Item) => ({ PutRequest: { Item } })),
          options.parkingTable,
        );
        for (const item of parkedItems(options.parkingTable, options.source, parked))
          if (item.Put)
            await client.send(new PutCommand({ TableName: options.parkingTable, Item: item.Put.Item }));
      }
    },
  };
};
