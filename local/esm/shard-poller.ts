import {
  type _Record,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type GetShardIteratorCommandInput,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import type { KinesisStreamRecord } from 'aws-lambda';
import type { EventSourceMappingSettings, StartingPosition } from '../../shared/catalog';
import type { LocalLogger } from '../log';
import { MAX_WATCHED_IDLE_MS } from '../net';
import { type DiscardInfo, deliver } from './deliver';
import { laneBatches, ShardWatermark } from './lanes';
import type { PositionStore, ShardPosition } from './positions';
import { type RecordSource, toLambdaRecord } from './records';

/** Idle poll interval per shard: Lambda polls each shard about once a second; 200 ms feels instant locally. */
export const IDLE_POLL_MS = 200;
/**
 * An idle shard's interval doubles after each empty read, up to Lambda's own ~1 s. Without it the
 * example's 28 shards cost kinesis-mock 140 GetRecords/s (17% of a core) while nothing happens; a
 * record still arrives at most a second late, and a busy shard is read back to back.
 */
export const MAX_IDLE_POLL_MS = 1_000;
const MAX_BACKOFF_MS = 5_000;
const GET_RECORDS_MAX = 10_000;

export interface ShardPollerOptions {
  readonly kinesis: KinesisClient;
  readonly streamName: string;
  readonly source: RecordSource;
  /** Batch size, window, parallelization and error handling of the mapping. */
  readonly settings: EventSourceMappingSettings;
  /** Where a shard with no saved position starts (child shards always start at TRIM_HORIZON). */
  readonly startingPosition: StartingPosition;
  readonly positions: PositionStore;
  readonly invoke: (records: KinesisStreamRecord[]) => Promise<unknown>;
  readonly discard: (records: KinesisStreamRecord[], info: DiscardInfo) => void;
  readonly isStopping: () => boolean;
  readonly pause: (ms: number) => Promise<void>;
  /**
   * Sleeps while the shard is idle and wakes when its stream is written (local mode's relay sees every
   * write). With it, the idle interval grows to `MAX_WATCHED_IDLE_MS`; without it, to Lambda's ~1 s.
   */
  readonly idle?: (kind: 'write', stream: string, ms: number) => Promise<void>;
  readonly log: LocalLogger;
  /** The pause token while the mapping is paused (see `pause.ts`); checked between batches only. */
  readonly pausedToken?: () => string | undefined;
  /** Tells the pauser this shard is idle under `token`. */
  readonly acknowledgePause?: (token: string) => void;
}

const iteratorInput = (
  options: ShardPollerOptions,
  position: ShardPosition | undefined,
): GetShardIteratorCommandInput => {
  const base = { StreamName: options.streamName, ShardId: options.source.shardId };
  if (position?.sequenceNumber)
    return {
      ...base,
      ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
      StartingSequenceNumber: position.sequenceNumber,
    };
  if (position?.startAt !== undefined)
    return { ...base, ShardIteratorType: 'AT_TIMESTAMP', Timestamp: new Date(position.startAt) };
  return { ...base, ShardIteratorType: 'TRIM_HORIZON' };
};

/** The saved position, creating one for a LATEST start so a restart resumes from the same moment. */
const startPosition = (options: ShardPollerOptions): ShardPosition | undefined => {
  const saved = options.positions.read(options.source.shardId);
  if (saved || options.startingPosition !== 'LATEST') return saved;
  const fresh = { startAt: Date.now() };
  options.positions.write(options.source.shardId, fresh);
  return fresh;
};

/**
 * Reads one shard and delivers its records in order. At ParallelizationFactor N it reads up to N
 * batches' worth, splits them into N lanes by partition key and runs the lanes at once (one batch in
 * flight per lane, so one key is only ever in one in-flight batch, in order); the next read waits for
 * every lane, and the shard checkpoint only passes records every lane has finished. Resolves `closed`
 * once a closed shard is fully handled (all lanes), `stopped` on stop. Never throws: Kinesis errors
 * (throttling, expired iterators) back off and resume from the last checkpoint, so nothing is skipped
 * and records after it may be delivered again.
 */
export const pollShard = async (options: ShardPollerOptions): Promise<'closed' | 'stopped'> => {
  const { shardId } = options.source;
  let iterator: string | undefined;
  let buffer: _Record[] = [];
  let endOfShard = false;
  let backoff = 0;
  let idle = IDLE_POLL_MS;
  const { batchSize, parallelizationFactor: lanes } = options.settings;
  const readLimit = Math.min(GET_RECORDS_MAX, batchSize * lanes);
  // A LATEST start is fixed when the mapping starts, as in Lambda, even if it starts paused.
  startPosition(options);
  while (!options.isStopping()) {
    const paused = options.pausedToken?.();
    if (paused !== undefined) {
      options.acknowledgePause?.(paused);
      await options.pause(IDLE_POLL_MS);
      continue;
    }
    try {
      if (!iterator && !endOfShard) {
        const input = iteratorInput(options, startPosition(options));
        iterator = (await options.kinesis.send(new GetShardIteratorCommand(input))).ShardIterator;
        endOfShard = !iterator;
      }
      const windowMs = options.settings.maximumBatchingWindowInSeconds * 1000;
      const gatherStart = Date.now();
      while (iterator && buffer.length < readLimit && !options.isStopping()) {
        const limit = readLimit - buffer.length;
        const page = await options.kinesis.send(
          new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }),
        );
        buffer.push(...(page.Records ?? []));
        iterator = page.NextShardIterator;
        if (!iterator) endOfShard = true;
        // Deliver at once when the window is 0 or the batch is full; otherwise wait for more within it.
        const waited = Date.now() - gatherStart;
        if (buffer.length === 0 || windowMs === 0 || buffer.length >= readLimit || waited >= windowMs) break;
        if ((page.Records ?? []).length < limit)
          await options.pause(Math.min(IDLE_POLL_MS, windowMs - waited));
      }
      if (buffer.length === 0) {
        if (endOfShard) {
          options.positions.write(shardId, { ...options.positions.read(shardId), closed: true });
          return 'closed';
        }
        if (options.idle) await options.idle('write', options.streamName, idle);
        else await options.pause(idle);
        idle = Math.min(options.idle ? MAX_WATCHED_IDLE_MS : MAX_IDLE_POLL_MS, idle * 2);
        continue;
      }
      idle = IDLE_POLL_MS;
      const records = buffer.splice(0, readLimit).map((r) => toLambdaRecord(r, options.source));
      const watermark = new ShardWatermark(records, lanes);
      const hooks = {
        invoke: options.invoke,
        checkpoint: (sequenceNumber: string) => {
          const moved = watermark.complete(sequenceNumber);
          if (moved !== undefined) options.positions.write(shardId, { sequenceNumber: moved });
        },
        discard: options.discard,
        isStopping: options.isStopping,
        pause: options.pause,
      };
      const results = await Promise.all(
        laneBatches(records, lanes, batchSize).map(async (batches) => {
          for (const batch of batches)
            if ((await deliver(batch, options.settings, hooks)) === 'abandoned') return 'abandoned';
          return 'done';
        }),
      );
      if (results.includes('abandoned')) return 'stopped';
      backoff = 0;
    } catch (error) {
      // Restart from the last checkpoint: buffered records are fetched again, so none is lost.
      iterator = undefined;
      buffer = [];
      endOfShard = false;
      backoff = Math.min(MAX_BACKOFF_MS, Math.max(IDLE_POLL_MS, backoff * 2));
      const name = error instanceof Error ? error.name : 'Error';
      options.log.warn(`ESM poll of ${options.streamName}/${shardId} failed; retrying in ${backoff} ms`, {
        error: `${name}: ${error instanceof Error ? error.message : String(error)}`,
      });
      await options.pause(backoff);
    }
  }
  return 'stopped';
};
