import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
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
 * when there is none), then per entry a read, a BatchGet of its units' checkpoints, and up to two
 * deletes. A tombstone changed since its read fails its condition and waits for the next sweep.
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
    const entry = entryOf(item);
    if (!entry) continue;
    const raw = await deps.readRaw(entry.table, entry.pk);
    const verdict = await sweepVerdict(raw, deps.checkpointsOf);
    if (verdict === 'keep') continue;
    if (verdict === 'remove' && raw) {
      try {
        await client.send(
          new DeleteCommand({
            TableName: deps.physical(entry.table),
            Key: { pk: entry.pk },
            ...unchangedTombstone(raw),
          }),
        );
        removed += 1;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) continue;
        throw error;
      }
    }
    await client.send(new DeleteCommand({ TableName: parkingTable, Key: sweepKey(service, entry) }));
  }
  return removed;
};
