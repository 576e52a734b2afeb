import { setTimeout as sleep } from 'node:timers/promises';
import {
  DescribeStreamSummaryCommand,
  type KinesisClient,
  type Shard,
  UpdateShardCountCommand,
} from '@aws-sdk/client-kinesis';
import { listShards } from '../../shared/aws';

/** kinesis-mock takes about half a second per shard operation; a loaded machine takes longer. */
const ACTIVE_TIMEOUT_MS = 60_000;

export interface ReshardStep {
  readonly from: number;
  readonly to: number;
}

export interface ReshardResult {
  readonly steps: readonly ReshardStep[];
  /** Open shards after the last step. */
  readonly openShards: readonly string[];
}

const openShards = async (kinesis: KinesisClient, streamName: string): Promise<Shard[]> =>
  (await listShards(kinesis, streamName)).filter(
    (s) => s.SequenceNumberRange?.EndingSequenceNumber === undefined,
  );

const waitActive = async (kinesis: KinesisClient, streamName: string): Promise<void> => {
  const deadline = Date.now() + ACTIVE_TIMEOUT_MS;
  for (;;) {
    const summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
    if (summary.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    if (Date.now() > deadline)
      throw new Error(`stream ${streamName} not ACTIVE ${ACTIVE_TIMEOUT_MS / 1000} s after resharding`);
    await sleep(100);
  }
};

/** One UpdateShardCount call may at most double or halve the open shards (as in Kinesis). */
const nextCount = (current: number, target: number): number =>
  target > current ? Math.min(target, current * 2) : Math.max(target, Math.ceil(current / 2));

/**
 * Reshards a local stream to `target` open shards with UNIFORM_SCALING, in as many UpdateShardCount
 * steps as Kinesis's double/halve limit needs, waiting for ACTIVE after each. Every step closes the
 * open shards and opens children (splits going up, merges going down); the local event source mapping
 * reads each parent to its end before it starts the children, as Lambda does.
 */
export const reshardStream = async (
  kinesis: KinesisClient,
  streamName: string,
  target: number,
): Promise<ReshardResult> => {
  if (!Number.isInteger(target) || target < 1) throw new Error(`shard count must be >= 1, got ${target}`);
  await waitActive(kinesis, streamName);
  const steps: ReshardStep[] = [];
  let current = (await openShards(kinesis, streamName)).length;
  while (current !== target) {
    const to = nextCount(current, target);
    try {
      await kinesis.send(
        new UpdateShardCountCommand({
          StreamName: streamName,
          TargetShardCount: to,
          ScalingType: 'UNIFORM_SCALING',
        }),
      );
    } catch (error) {
      // A re-send of a step whose first send was applied (its answer late or lost) is refused while
      // the stream is UPDATING: the open shards, once ACTIVE, decide whether the step happened.
      await waitActive(kinesis, streamName);
      if ((await openShards(kinesis, streamName)).length !== to) throw error;
    }
    await waitActive(kinesis, streamName);
    steps.push({ from: current, to });
    current = (await openShards(kinesis, streamName)).length;
    if (current !== to) throw new Error(`asked ${streamName} for ${to} open shards, it has ${current}`);
  }
  return { steps, openShards: (await openShards(kinesis, streamName)).map((s) => s.ShardId ?? '') };
};
