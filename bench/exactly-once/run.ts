import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { lambdaContext } from '../../test/fixtures/apigw';
import { DynamoMeter, diffCounts } from '../lib/meter';
import { median, round } from '../lib/stats';
import { kinesisRecords, orderData, recordSize } from '../lib/workload';
import {
  type Consumer,
  createExactlyOnceTables,
  powertoolsConsumer,
  STREAM,
  spineConsumer,
} from './consumers';
import { type PerEvent, perEvent } from './per-event';

export type { PerEvent } from './per-event';

/** Run 1: DynamoDB cost of exactly-once (Spine) vs idempotency (Powertools), per event consumed. */
export const BATCH_SIZES = [1, 10, 100] as const;
/** Events per run: enough batches at each size for stable per-event figures, small enough for 2 cores. */
const EVENTS: Record<(typeof BATCH_SIZES)[number], number> = { 1: 100, 10: 300, 100: 1000 };

export interface DeliveryResult {
  readonly design: 'spine' | 'powertools';
  readonly batchSize: number;
  readonly events: number;
  readonly invocations: number;
  readonly first: PerEvent;
  readonly redelivery: PerEvent;
  /** Write units per event of the state table (the effect itself). */
  readonly stateWcu: number;
  /** Everything else per event: checkpoints, idempotency records. */
  readonly overheadWcu: number;
  /** Median wall time of one invocation on DynamoDB Local, first delivery (input to the Lambda GB-s model). */
  readonly medianInvocationMs: number;
  readonly stateItemsWritten: number;
}

const countItems = async (client: DynamoDBClient, table: string, prefix: string): Promise<number> => {
  let count = 0;
  let start: Record<string, never> | undefined;
  do {
    const out = await client.send(
      new ScanCommand({
        TableName: table,
        Select: 'COUNT',
        FilterExpression: 'begins_with(pk, :p)',
        ExpressionAttributeValues: { ':p': { S: prefix } },
        ...(start && { ExclusiveStartKey: start }),
      }),
    );
    count += out.Count ?? 0;
    start = out.LastEvaluatedKey as Record<string, never> | undefined;
  } while (start);
  return count;
};

const deliverAll = async (consumer: Consumer, batches: ReturnType<typeof kinesisRecords>[]) => {
  const times: number[] = [];
  for (const Records of batches) {
    const t0 = performance.now();
    const out = await consumer({ Records }, lambdaContext());
    times.push(performance.now() - t0);
    if (out.batchItemFailures.length > 0)
      throw new Error(`unexpected batch item failures: ${JSON.stringify(out.batchItemFailures)}`);
  }
  return times;
};

export const runExactlyOnce = async (dynamoEndpoint: string): Promise<DeliveryResult[]> => {
  const config = {
    endpoint: dynamoEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  };
  const plain = new DynamoDBClient(config);
  const tables = await createExactlyOnceTables(plain);
  const results: DeliveryResult[] = [];
  try {
    for (const design of ['spine', 'powertools'] as const) {
      for (const batchSize of BATCH_SIZES) {
        const client = new DynamoDBClient(config);
        const meter = new DynamoMeter().attach(client);
        const consumer = design === 'spine' ? spineConsumer(client) : powertoolsConsumer(client);
        const events = EVENTS[batchSize];
        const run = `${design[0]}b${batchSize}`;
        const shardId = `shardId-${String(results.length).padStart(12, '0')}`;
        const batches = Array.from({ length: events / batchSize }, (_, b) =>
          kinesisRecords(STREAM, shardId, run, b * batchSize, batchSize),
        );
        const t0 = meter.snapshot();
        const times = await deliverAll(consumer, batches);
        const t1 = meter.snapshot();
        await deliverAll(consumer, batches);
        const t2 = meter.snapshot();
        const first = perEvent(diffCounts(t1, t0), events);
        const stateTable = design === 'spine' ? tables.state : tables.baselineState;
        const stateWcu = first.wcuByTable[stateTable] ?? 0;
        results.push({
          design,
          batchSize,
          events,
          invocations: batches.length,
          first,
          redelivery: perEvent(diffCounts(t2, t1), events),
          stateWcu,
          overheadWcu: round(first.wcu - stateWcu, 4),
          medianInvocationMs: round(median(times), 2),
          stateItemsWritten: await countItems(plain, stateTable, `${run.padEnd(5, '_')}-`),
        });
        client.destroy();
      }
    }
  } finally {
    plain.destroy();
  }
  return results;
};

/** Sizes of what run 1 writes, so the report can say what "1 KB" means. */
export const workloadSizes = () => ({ recordBytes: recordSize(orderData('size', 0)) });
