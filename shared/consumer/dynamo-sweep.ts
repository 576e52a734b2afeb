import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { sweepPk } from '../layout';
import { entryOf, SWEEP_LIMIT, sweepKey, sweepVerdict, unchangedTombstone } from './tombstones';

/** What the DynamoDB store lends its sweep. */
export interface SweepDeps {
  readonly client: DynamoDBDocumentClient;
  readonly service: string;
  readonly parkingTable: string;
  readonly physical: (table: string) => string;
  /** A consistent read of a state item as stored. */
  readonly readRaw: (table: string, pk: string) => Promise<Record<string, unknown> | undefined>;
  readonly checkpointsOf: (units: readonly string[]) => Promise<ReadonlyMap<string, string | undefined>>;
}

/**
 * One sweep of the service's tombstone entries (tombstones.ts): a consistent Query of one page (1 RCU
 * when there is none), then per entry a read and a BatchGet of its units' checkpoints. A settled
 * tombstone and its entry go in one transaction (the commands the store sends already: no new SDK
 * command in the bundle), conditioned on the tombstone's fences being unchanged; one changed since its
 * read fails that condition and waits for the next sweep.
 */
export const sweepDynamo = async (deps: SweepDeps): Promise<number> => {
  const { client, service, parkingTable } = deps;
  const page = await client.send(
    new QueryCommand({
      TableName: parkingTable,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': sweepPk(service) },
      ConsistentRead: true,
      Limit: SWEEP_LIMIT,
    }),
  );
  let removed = 0;
  for (const item of page?.Items ?? []) {
    const entry = entryOf(item.sk);
    if (!entry) continue;
    const raw = await deps.readRaw(entry.table, entry.pk);
    const verdict = await sweepVerdict(raw, deps.checkpointsOf);
    if (verdict === 'keep') continue;
    const dropEntry = { Delete: { TableName: parkingTable, Key: sweepKey(service, entry) } };
    const tombstone =
      verdict === 'remove' && raw
        ? [
            {
              Delete: {
                TableName: deps.physical(entry.table),
                Key: { pk: entry.pk },
                ...unchangedTombstone(raw),
              },
            },
          ]
        : [];
    try {
      await client.send(new TransactWriteCommand({ TransactItems: [...tombstone, dropEntry] }));
    } catch (error) {
      if (error instanceof TransactionCanceledException) continue;
      throw error;
    }
    removed += tombstone.length;
  }
  return removed;
};
