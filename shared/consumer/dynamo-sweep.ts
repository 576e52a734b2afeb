import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { sweepPk } from '../layout';
import { DELETED_ATTR } from './fence';
import { type SweepOptions, type SweepResult, sweepEntries } from './sweep';
import {
  entryOf,
  type StoredSweepEntry,
  SWEEP_LIMIT,
  sweepKey,
  unchangedEntry,
  unchangedTombstone,
} from './tombstones';

/** What the DynamoDB store lends its sweep. */
export interface SweepDeps {
  readonly client: DynamoDBDocumentClient;
  readonly service: string;
  readonly parkingTable: string;
  readonly physical: (table: string) => string;
  /** A consistent read of a state item as stored. */
  readonly readRaw: (table: string, pk: string) => Promise<Record<string, unknown> | undefined>;
  readonly checkpointsOf: (units: readonly string[]) => Promise<ReadonlyMap<string, string | undefined>>;
  /** Where the last sweep of this container stopped (sweep.ts). */
  readonly cursor: { after?: string };
  readonly now: () => number;
  /** The tombstone grace (`SweepPort.graceMs`). */
  readonly graceMs: number;
}

/**
 * One sweep of the service's tombstone entries (sweep.ts) in DynamoDB: a consistent Query of one page
 * (1 RCU when there is none). A settled tombstone and its entry go in one transaction, conditioned on
 * the tombstone's fences and the entry's `sweepAfter` being as read; an entry whose tombstone is gone is
 * dropped with a ConditionCheck that no tombstone is there now (one written since the read keeps its
 * entry). Only commands the store sends already: no new SDK command in the bundle.
 */
export const sweepDynamo = (deps: SweepDeps, options: SweepOptions = {}): Promise<SweepResult> => {
  const { client, service, parkingTable } = deps;
  // The SDK stops its attempts and retries once the sweep's time is up (sweep.ts, `signal`).
  const abort = options.signal ? { abortSignal: options.signal } : {};
  const entryDelete = (entry: StoredSweepEntry) => ({
    Delete: { TableName: parkingTable, Key: sweepKey(service, entry), ...unchangedEntry(entry) },
  });
  const send = async (
    items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>,
  ) => {
    try {
      await client.send(new TransactWriteCommand({ TransactItems: items }), abort);
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException) return false;
      throw error;
    }
  };
  return sweepEntries(
    {
      page: async (after) => {
        const out = await client.send(
          new QueryCommand({
            TableName: parkingTable,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': sweepPk(service) },
            ConsistentRead: true,
            Limit: SWEEP_LIMIT,
            ...(after !== undefined && { ExclusiveStartKey: { pk: sweepPk(service), sk: after } }),
          }),
          abort,
        );
        const entries = (out?.Items ?? []).flatMap((item) => entryOf(item) ?? []);
        return { entries, more: out?.LastEvaluatedKey !== undefined };
      },
      readRaw: (entry) => deps.readRaw(entry.table, entry.pk),
      checkpointsOf: deps.checkpointsOf,
      graceMs: deps.graceMs,
      remove: (entry, raw) =>
        send([
          {
            Delete: {
              TableName: deps.physical(entry.table),
              Key: { pk: entry.pk },
              ...unchangedTombstone(raw),
            },
          },
          entryDelete(entry),
        ]),
      drop: (entry) =>
        send([
          {
            ConditionCheck: {
              TableName: deps.physical(entry.table),
              Key: { pk: entry.pk },
              ConditionExpression: 'attribute_not_exists(#d)',
              ExpressionAttributeNames: { '#d': DELETED_ATTR },
            },
          },
          entryDelete(entry),
        ]),
    },
    deps.cursor,
    deps.now,
    options,
  );
};
