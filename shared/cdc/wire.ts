import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Catalog } from '../catalog';
import { createSchemaRegistry } from '../schemas';
import { type CdcConfig, loadCdcConfig } from './config';
import { createDynamoCdcStore } from './dynamo-store';
import { createKinesisCapturePublisher } from './publish';
import { createDynamoScan } from './scan';
import { runSnapshot, type SnapshotDeps, type SnapshotOutcome } from './snapshot';
import { type DeliveredRecord, processStreamBatch, type StreamOutcome } from './stream';

export interface WireCdcOptions {
  readonly catalog: Catalog;
  readonly dynamo: DynamoDBClient;
  readonly kinesis: KinesisClient;
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (message: string, fields: Record<string, unknown>) => void;
  /** Snapshot tuning and test seams. */
  readonly snapshot?: Pick<SnapshotDeps, 'pageSize' | 'leaseMs' | 'afterPublish'>;
}

export interface Cdc {
  readonly config: CdcConfig;
  /**
   * Runs or resumes the snapshot until it finishes or `deadline` (epoch ms); `endsBy` is when the
   * invocation ends for sure, the lease lasts until then (see `runSnapshot`).
   */
  snapshot(deadline: number, endsBy?: number): Promise<SnapshotOutcome>;
  /**
   * Publishes one delivered batch of stream records (one shard's); `deadline` (epoch ms) is when this
   * invocation ends for sure (see `processStreamBatch`).
   */
  stream(records: readonly DeliveredRecord[], deadline?: number): Promise<StreamOutcome>;
}

/** One CDC source's runtime from its environment: what the Lambda entry and local mode both call. */
export const wireCdc = (options: WireCdcOptions): Cdc => {
  const config = loadCdcConfig(options.catalog, options.env);
  const schemas = createSchemaRegistry(options.catalog);
  const store = createDynamoCdcStore({
    client: DynamoDBDocumentClient.from(options.dynamo, { marshallOptions: { removeUndefinedValues: true } }),
    source: config.source.name,
    topic: config.source.topic,
    checkpointsTable: config.checkpointsTable,
    parkingTable: config.parkingTable,
    batchesTable: config.batchesTable,
  });
  const publisher = createKinesisCapturePublisher(options.kinesis, config.topicStream);
  const common = {
    catalog: options.catalog,
    schemas,
    source: config.source,
    store,
    publisher,
    ...(options.log && { log: options.log }),
  };
  return {
    config,
    snapshot: (deadline, endsBy) =>
      runSnapshot(
        {
          ...common,
          ...options.snapshot,
          scan: createDynamoScan(options.dynamo, config.tableName),
          streamArn: config.streamArn,
        },
        deadline,
        endsBy,
      ),
    stream: (records, deadline) =>
      processStreamBatch({ ...common, streamArn: config.streamArn }, records, deadline),
  };
};
