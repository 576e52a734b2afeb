import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  paginateListTables,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  IncreaseStreamRetentionPeriodCommand,
  type KinesisClient,
  paginateListStreams,
} from '@aws-sdk/client-kinesis';
import type { Catalog, TopicSpec } from '../shared/catalog';
import { RUNTIME_TABLES, type RuntimeTable, STATE_TABLE_KEY, type TableKeySchema } from '../shared/config';
import type { LocalLogger } from './log';
import { localRuntimeTableName, localStateTableName, localStreamName } from './names';

interface TablePlan {
  readonly name: string;
  readonly key: TableKeySchema;
  readonly ttlAttribute?: string;
}

/** Every table the catalog implies: the runtime tables plus each service's state tables. */
export const plannedTables = (catalog: Catalog): TablePlan[] => [
  ...Object.entries(RUNTIME_TABLES).map(([table, key]: [string, TableKeySchema]) => ({
    name: localRuntimeTableName(table as RuntimeTable),
    key,
    ttlAttribute: key.ttlAttribute,
  })),
  ...catalog.services.flatMap((service) =>
    service.tables.map((table) => ({
      name: localStateTableName(service.name, table.name),
      key: STATE_TABLE_KEY,
      ttlAttribute: table.ttlAttribute ?? STATE_TABLE_KEY.ttlAttribute,
    })),
  ),
];

const waitFor = async (what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not become ACTIVE within ${timeoutMs} ms`);
    await sleep(100);
  }
};

/**
 * Sends a create call, taking "already exists" as success. The clients' requests time out (10 s), and
 * the SDK then sends the call again; when the first one was applied but its answer was slow or lost,
 * the second is refused with ResourceInUseException, for a resource this very start created. The
 * caller then waits for ACTIVE as after any create.
 */
const createOnce = async (send: () => Promise<unknown>): Promise<void> => {
  try {
    await send();
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ResourceInUseException')) throw error;
  }
};

const createStream = async (kinesis: KinesisClient, topic: TopicSpec): Promise<void> => {
  const StreamName = localStreamName(topic.name);
  // kinesis-mock supports ON_DEMAND and opens 4 shards for it, close to a fresh on-demand stream in AWS.
  await createOnce(() =>
    kinesis.send(
      topic.shards === 'on-demand'
        ? new CreateStreamCommand({ StreamName, StreamModeDetails: { StreamMode: 'ON_DEMAND' } })
        : new CreateStreamCommand({ StreamName, ShardCount: topic.shards }),
    ),
  );
  const summary = async () =>
    (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName }))).StreamDescriptionSummary;
  await waitFor(`stream ${StreamName}`, async () => (await summary())?.StreamStatus === 'ACTIVE');
  // A re-sent increase whose first send was applied is refused (the period is no longer shorter):
  // the stream's own retention decides, not the refusal.
  const retained = async () => (await summary())?.RetentionPeriodHours ?? 24;
  if (topic.retentionHours <= 24 || (await retained()) >= topic.retentionHours) return;
  try {
    await kinesis.send(
      new IncreaseStreamRetentionPeriodCommand({ StreamName, RetentionPeriodHours: topic.retentionHours }),
    );
  } catch (error) {
    if ((await retained().catch(() => 0)) < topic.retentionHours) throw error;
  }
};

const createTable = async (dynamo: DynamoDBClient, plan: TablePlan): Promise<void> => {
  const { partitionKey, sortKey } = plan.key;
  await createOnce(() =>
    dynamo.send(
      new CreateTableCommand({
        TableName: plan.name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [partitionKey, ...(sortKey ? [sortKey] : [])].map((name) => ({
          AttributeName: name,
          AttributeType: 'S',
        })),
        KeySchema: [
          { AttributeName: partitionKey, KeyType: 'HASH' },
          ...(sortKey ? [{ AttributeName: sortKey, KeyType: 'RANGE' as const }] : []),
        ],
      }),
    ),
  );
  const active = async () =>
    (await dynamo.send(new DescribeTableCommand({ TableName: plan.name }))).Table?.TableStatus === 'ACTIVE';
  await waitFor(`table ${plan.name}`, active);
};

const ttlOn = async (dynamo: DynamoDBClient, TableName: string): Promise<boolean> => {
  const current = await dynamo.send(new DescribeTimeToLiveCommand({ TableName }));
  const status = current.TimeToLiveDescription?.TimeToLiveStatus;
  return status === 'ENABLED' || status === 'ENABLING';
};

/**
 * Turns TTL on unless it is on. A re-sent UpdateTimeToLive whose first send was applied is refused
 * ("TimeToLive is already enabled"): the table's own state decides, not the refusal.
 */
const ensureTtl = async (dynamo: DynamoDBClient, plan: TablePlan): Promise<void> => {
  if (!plan.ttlAttribute) return;
  if (await ttlOn(dynamo, plan.name)) return;
  try {
    await dynamo.send(
      new UpdateTimeToLiveCommand({
        TableName: plan.name,
        TimeToLiveSpecification: { AttributeName: plan.ttlAttribute, Enabled: true },
      }),
    );
  } catch (error) {
    if (!(await ttlOn(dynamo, plan.name).catch(() => false))) throw error;
  }
};

/**
 * At most this many creations in flight per emulator. AWS refuses a sixth stream in CREATING
 * (LimitExceededException); creating one at a time instead cost a fresh start about 1 s per stream
 * (kinesis-mock's 500 ms CREATING delay plus polling) and 0.2-1 s per table.
 */
const CREATE_CONCURRENCY = 5;

/**
 * Runs `task` for every item, at most `limit` at once. A failure stops its lane; the others finish
 * their item first, so nothing is still creating when the caller unwinds. Rejects with the first failure.
 */
const eachLimited = async <T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>) => {
  let next = 0;
  let failed = false;
  const lane = async () => {
    for (let i = next++; i < items.length && !failed; i = next++)
      await task(items[i] as T).catch((error: unknown) => {
        failed = true;
        throw error;
      });
  };
  const lanes = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, lane));
  for (const settled of lanes) if (settled.status === 'rejected') throw settled.reason;
};

/**
 * Creates every stream and table the catalog declares that does not exist yet, and waits until each
 * is ACTIVE. Idempotent: existing resources are kept with their data (a changed shard count is not
 * applied to an existing stream; `--fresh` recreates everything). Streams and tables are created side
 * by side (CREATE_CONCURRENCY each); the log lines come in completion order.
 */
export const provision = async (
  catalog: Catalog,
  clients: { kinesis: KinesisClient; dynamo: DynamoDBClient },
  log: LocalLogger,
): Promise<void> => {
  const streams = async () => {
    const existing = new Set<string>();
    for await (const page of paginateListStreams({ client: clients.kinesis }, {}))
      for (const name of page.StreamNames ?? []) existing.add(name);
    const missing = catalog.topics.filter((topic) => !existing.has(localStreamName(topic.name)));
    await eachLimited(missing, CREATE_CONCURRENCY, async (topic) => {
      await createStream(clients.kinesis, topic);
      log.info(`created stream ${localStreamName(topic.name)}`, { shards: topic.shards });
    });
  };
  const tables = async () => {
    const existing = new Set<string>();
    for await (const page of paginateListTables({ client: clients.dynamo }, {}))
      for (const name of page.TableNames ?? []) existing.add(name);
    await eachLimited(plannedTables(catalog), CREATE_CONCURRENCY, async (plan) => {
      if (!existing.has(plan.name)) {
        await createTable(clients.dynamo, plan);
        log.info(`created table ${plan.name}`);
      }
      await ensureTtl(clients.dynamo, plan);
    });
  };
  // allSettled, not all: a failure must not leave the other half still creating while the caller unwinds.
  const [streamsDone, tablesDone] = await Promise.allSettled([streams(), tables()]);
  if (streamsDone.status === 'rejected') throw streamsDone.reason;
  if (tablesDone.status === 'rejected') throw tablesDone.reason;
};
