import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { catalog } from '../catalog';
import { createDynamoClient, createKinesisClient } from '../shared/aws';
import { type SnapshotOutcome, wireCdc } from '../shared/cdc';

// Cold start: read config (fails naming a missing variable), compile the schemas, create clients once.
const cdc = wireCdc({ catalog, dynamo: createDynamoClient(), kinesis: createKinesisClient() });

/** The scheduled snapshot invocation (EventBridge rule): runs or resumes the snapshot. */
export interface SnapshotRequest {
  readonly spineCdc: 'snapshot';
}

/** Time kept back from the invocation's deadline to save the last page's progress. */
const SNAPSHOT_MARGIN_MS = 15_000;

/**
 * Entry of one CDC source: the DynamoDB stream's event source mapping delivers batches (a thrown error
 * makes the mapping retry the batch; it never gives up), and a schedule drives the snapshot until done.
 */
export const handler = async (
  event: DynamoDBStreamEvent | SnapshotRequest,
  context: Context,
): Promise<SnapshotOutcome | undefined> => {
  if ('Records' in event) {
    // The function's own deadline: a copy of this batch invoked meanwhile waits until then.
    await cdc.stream(event.Records, Date.now() + context.getRemainingTimeInMillis());
    return undefined;
  }
  const end = Date.now() + context.getRemainingTimeInMillis();
  return cdc.snapshot(end - SNAPSHOT_MARGIN_MS, end);
};
