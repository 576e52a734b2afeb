import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { type CopyAnswer, type CopyFinder, type CopyQuery, isSameEvent } from './copy-finder';
import { ancestorsOf, createKinesisShardDirectory, type ShardDirectory } from './shard-parents';
import { compareSequence } from './store';

export interface KinesisCopyFinderOptions {
  /** GetRecords calls per query, over the shard and its parents, before answering `undecided`. @default 50 */
  readonly maxCalls?: number;
  /** Lineage source; defaults to ListShards cached per container. */
  readonly shards?: ShardDirectory;
}

type ReadOutcome = CopyAnswer | { readonly kind: 'ended'; readonly lastArrival: number | undefined };

const describe = (error: unknown): string => (error instanceof Error ? error.name : String(error));

/**
 * Kinesis adapter of `CopyFinder`. Reads the marked record's shard AT_TIMESTAMP `from` up to the
 * marked record itself (it is in the shard, so the read always ends), then each ancestor shard from
 * `from` to its end. Cost per marked record: one GetShardIterator plus one GetRecords per 10,000
 * records (or 10 MiB) written to the shard since the mark, and the same per ancestor; GetRecords
 * shares the shard's 5 reads/s with the event source mapping. A closed ancestor with nothing after a
 * time is remembered per container, so later marks skip it without a call.
 */
export const createKinesisCopyFinder = (
  kinesis: KinesisClient,
  options: KinesisCopyFinderOptions = {},
): CopyFinder => {
  const shards = options.shards ?? createKinesisShardDirectory(kinesis);
  const maxCalls = options.maxCalls ?? 50;
  /** Closed shard -> a time after which it holds no record. */
  const quietSince = new Map<string, number>();

  const read = async (
    query: CopyQuery,
    shardId: string,
    until: string | undefined,
    budget: { calls: number },
    deadline: number,
  ): Promise<ReadOutcome> => {
    let iterator = (
      await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: query.stream,
          ShardId: shardId,
          ShardIteratorType: 'AT_TIMESTAMP',
          Timestamp: new Date(query.from),
        }),
      )
    ).ShardIterator;
    let lastArrival: number | undefined;
    while (iterator) {
      if (budget.calls <= 0) return { kind: 'undecided', reason: `read budget spent on ${shardId}` };
      if (Date.now() > deadline) return { kind: 'undecided', reason: `deadline passed reading ${shardId}` };
      budget.calls -= 1;
      const out = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }));
      for (const r of out.Records ?? []) {
        if (!r.SequenceNumber || !r.Data) continue;
        if (until !== undefined && compareSequence(r.SequenceNumber, until) >= 0) return { kind: 'unique' };
        lastArrival = r.ApproximateArrivalTimestamp?.getTime() ?? lastArrival;
        if (isSameEvent(r.Data, query.source, query.id))
          return { kind: 'duplicate', shardId, sequenceNumber: r.SequenceNumber };
      }
      // At the tip: an ancestor still open (it closes moments after a split) has nothing more before
      // the marked record; the marked record's own shard always reaches it first, so this is a gap.
      if ((out.Records ?? []).length === 0 && out.MillisBehindLatest === 0 && out.NextShardIterator) {
        if (until === undefined) return { kind: 'unique' };
        return { kind: 'undecided', reason: `tip of ${shardId} reached before the marked record` };
      }
      iterator = out.NextShardIterator;
    }
    return { kind: 'ended', lastArrival };
  };

  return {
    async findEarlier(query, deadline) {
      const budget = { calls: maxCalls };
      try {
        const own = await read(query, query.shardId, query.before, budget, deadline);
        if (own.kind === 'duplicate' || own.kind === 'undecided') return own;
        if (own.kind === 'ended')
          return { kind: 'undecided', reason: `${query.shardId} ended before the marked record` };
        for (const parent of await ancestorsOf(shards, query.stream, query.shardId)) {
          const key = `${query.stream}/${parent}`;
          const quiet = quietSince.get(key);
          if (quiet !== undefined && quiet <= query.from) continue;
          const outcome = await read(query, parent, undefined, budget, deadline);
          if (outcome.kind === 'duplicate' || outcome.kind === 'undecided') return outcome;
          if (outcome.kind === 'ended')
            quietSince.set(key, outcome.lastArrival === undefined ? query.from : outcome.lastArrival + 1);
        }
        return { kind: 'unique' };
      } catch (error) {
        return { kind: 'undecided', reason: `Kinesis failed: ${describe(error)}` };
      }
    },
  };
};
