import { DescribeStreamSummaryCommand, type KinesisClient, type Shard } from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { listShards } from '../../shared/aws';
import {
  type EventSourceMappingSettings,
  eventSourceMappingSettings,
  type ServiceSpec,
  type SubscriptionSpec,
} from '../../shared/catalog';
import { CONSUMER_TIMEOUT_SECONDS } from '../../shared/config';
import { lambdaContext } from '../context';
import type { LambdaHandler } from '../handler';
import type { LocalLogger } from '../log';
import { localStreamName } from '../names';
import { MAX_WATCHED_IDLE_MS, type StreamActivityKind } from '../net';
import type { DiscardInfo } from './deliver';
import { onFailureRecord, recordDiscard } from './failures';
import { acknowledgePause, pauseToken } from './pause';
import type { PositionStore } from './positions';
import { functionRoleArn } from './records';
import { pollShard } from './shard-poller';

/** New shards (resharding, on-demand scaling) are picked up within this delay. */
const SHARD_REFRESH_MS = 2_000;
/** The consumer functions' timeout, as deployed: feeds `getRemainingTimeInMillis` and the attempt marks' deadlines. */
const FUNCTION_TIMEOUT_MS = CONSUMER_TIMEOUT_SECONDS * 1_000;

export interface MappingOptions {
  readonly service: ServiceSpec;
  readonly subscription: SubscriptionSpec;
  readonly handler: LambdaHandler<KinesisStreamEvent>;
  readonly kinesis: KinesisClient;
  readonly positions: PositionStore;
  /**
   * The mapping's settings. @default eventSourceMappingSettings(subscription), as deployed: never gives
   * up. Tests and fault drills pass their own to exercise the mapping's give-ups.
   */
  readonly settings?: EventSourceMappingSettings;
  /** `<home>/esm`, where the pause flag of this mapping lives. @default - never paused */
  readonly esmDir?: string;
  readonly failuresFile: string;
  readonly log: LocalLogger;
  readonly isStopping: () => boolean;
  readonly pause: (ms: number) => Promise<void>;
  /** Sleeps while idle, woken by the stream's activity; without it, `pause` at Lambda's intervals. */
  readonly idle?: IdleWait;
}

/** Sleeps up to `ms`, or until `stream` sees `kind` activity. */
export type IdleWait = (kind: StreamActivityKind, stream: string, ms: number) => Promise<void>;

/**
 * One event source mapping: a poller per shard, started once the shard's parents are fully read and
 * delivered (so order per key holds across resharding, as Lambda guarantees). Closed shards are read
 * to their end and then remembered as closed, so they get no new invocations. ParallelizationFactor
 * runs up to N batches per shard at once, split by partition key (see `pollShard`).
 */
export const runMapping = async (options: MappingOptions): Promise<void> => {
  const { service, subscription, kinesis, log } = options;
  const streamName = localStreamName(subscription.topic);
  const functionName = `spine-${service.name}`;
  const settings = options.settings ?? eventSourceMappingSettings(subscription);
  const running = new Map<string, Promise<void>>();
  const closed = new Set<string>();
  let streamArn: string | undefined;
  // A closed parent lets its children start: a watched listing wakes for it instead of sleeping on.
  let shardClosed: () => void = () => {};

  const invoke = (records: KinesisStreamRecord[]) =>
    Promise.resolve(options.handler({ Records: records }, lambdaContext(functionName, FUNCTION_TIMEOUT_MS)));

  const startShard = (shard: Shard, arn: string, isChild: boolean) => {
    const shardId = shard.ShardId ?? '';
    const discard = (records: KinesisStreamRecord[], info: DiscardInfo) => {
      log.error(
        `ESM ${service.name}<-${streamName}/${shardId} DISCARDED ${records.length} record(s) (${info.condition}): ${info.reason}`,
        { first: records[0]?.kinesis.sequenceNumber, failuresFile: options.failuresFile },
      );
      const functionArn = lambdaContext(functionName, FUNCTION_TIMEOUT_MS).invokedFunctionArn;
      recordDiscard(
        options.failuresFile,
        onFailureRecord({ functionArn, shardId, streamArn: arn }, records, info),
      );
    };
    const run = pollShard({
      kinesis,
      streamName,
      source: { shardId, streamArn: arn, identityArn: functionRoleArn(service.name) },
      settings,
      startingPosition: isChild ? 'TRIM_HORIZON' : settings.startingPosition,
      positions: options.positions,
      invoke,
      discard,
      isStopping: options.isStopping,
      pause: options.pause,
      ...(options.idle && { idle: options.idle }),
      log,
      ...(options.esmDir !== undefined && {
        pausedToken: () => pauseToken(options.esmDir ?? '', service.name, subscription.topic),
        acknowledgePause: (token: string) =>
          acknowledgePause(options.esmDir ?? '', service.name, subscription.topic, shardId, token),
      }),
    }).then((result) => {
      if (result === 'closed') {
        closed.add(shardId);
        shardClosed();
      }
    });
    running.set(shardId, run);
  };

  while (!options.isStopping()) {
    try {
      streamArn ??= (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName })))
        .StreamDescriptionSummary?.StreamARN;
      const shards = await listShards(kinesis, streamName);
      const listed = new Set(shards.map((s) => s.ShardId));
      for (const shard of shards) {
        const id = shard.ShardId;
        if (!id || !streamArn || running.has(id) || closed.has(id)) continue;
        if (options.positions.read(id)?.closed) {
          closed.add(id);
          continue;
        }
        const parents = [shard.ParentShardId, shard.AdjacentParentShardId].filter((p): p is string => !!p);
        // A parent that is listed but not fully read holds its children back; an expired one does not.
        if (parents.some((p) => listed.has(p) && !closed.has(p))) continue;
        startShard(shard, streamArn, parents.length > 0);
      }
    } catch (error) {
      log.warn(`ESM ${service.name}<-${streamName}: listing shards failed`, { error: String(error) });
    }
    // Watched, the listing sleeps longer and wakes when the stream is resharded through the relay or
    // one of its shards is read to its end.
    if (options.idle) {
      const closedNow = new Promise<void>((resolve) => {
        shardClosed = resolve;
      });
      await Promise.race([options.idle('reshard', streamName, MAX_WATCHED_IDLE_MS), closedNow]);
    } else await options.pause(SHARD_REFRESH_MS);
  }
  await Promise.all(running.values());
};
