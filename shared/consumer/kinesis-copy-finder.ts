import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { type CopyAnswer, type CopyFinder, type CopyQuery, eventIdentity, identityKey } from './copy-finder';
import { ancestorsOf, createKinesisShardDirectory, type ShardDirectory } from './shard-parents';
import { compareSequence } from './store';

export interface KinesisCopyFinderOptions {
  /** GetRecords calls per call of the finder, over the shard and its parents, before answering `undecided`. @default 50 */
  readonly maxCalls?: number;
  /** Lineage source; defaults to ListShards cached per container. */
  readonly shards?: ShardDirectory;
}

/** One query still open in a read: its position in the answer list and the identity it looks for. */
interface Open {
  readonly at: number;
  readonly query: CopyQuery;
  readonly identity: string;
}

/** How a read of one shard ended for the queries it could not answer `duplicate`. */
type ReadEnd =
  /** Read to `until` (own shard) or to an open shard's tip (ancestor): nothing more to find there. */
  | { readonly kind: 'done' }
  /** A closed shard read to its end; `lastArrival` of its last record in the window. */
  | { readonly kind: 'ended'; readonly lastArrival: number | undefined }
  | { readonly kind: 'undecided'; readonly reason: string };

const describe = (error: unknown): string => (error instanceof Error ? error.name : String(error));

/** What a Kinesis failure means for every query it left open: not known, retry later. */
const failed = (error: unknown): CopyAnswer => {
  return { kind: 'undecided', reason: `Kinesis failed: ${describe(error)}` };
};

/**
 * Kinesis adapter of `CopyFinder`. For the marked records of one shard it reads that shard once,
 * AT_TIMESTAMP the earliest `from`, up to the last marked record (they are in the shard, so the read
 * always ends), then each ancestor shard once from the earliest `from` still open to its end; a record
 * answers a query when it carries the query's (source, id), arrived at or after that query's `from`
 * and (in its own shard) precedes that query's marked record. Cost per batch with marked records: one
 * GetShardIterator plus one GetRecords per 10,000 records (or 10 MiB) written to the shard since the
 * earliest mark, and the same per ancestor; GetRecords shares the shard's 5 reads/s with the event
 * source mapping. A closed ancestor with nothing after a time is remembered per container, so later
 * marks skip it without a call.
 */
export const createKinesisCopyFinder = (
  kinesis: KinesisClient,
  options: KinesisCopyFinderOptions = {},
): CopyFinder => {
  const shards = options.shards ?? createKinesisShardDirectory(kinesis);
  const maxCalls = options.maxCalls ?? 50;
  /** Closed shard -> a time after which it holds no record. */
  const quietSince = new Map<string, number>();

  /**
   * Reads `shardId` from the earliest `from` of `open`; answers `duplicate` in `answers` and drops those
   * queries from `open` as it finds them. Own shard (`own`): a record at or past a query's `before`
   * closes that query's read; the read ends once every query is closed. Ancestor: read to its end.
   */
  const read = async (
    stream: string,
    shardId: string,
    open: Open[],
    own: boolean,
    answers: CopyAnswer[],
    budget: { calls: number },
    deadline: number,
  ): Promise<ReadEnd> => {
    const byIdentity = new Map<string, Open[]>();
    for (const o of open) byIdentity.set(o.identity, [...(byIdentity.get(o.identity) ?? []), o]);
    /** Own shard: the queries whose marked record the read has not reached yet. */
    const pending = new Set(open);
    const close = (o: Open) => {
      pending.delete(o);
      open.splice(open.indexOf(o), 1);
    };
    let iterator = (
      await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: stream,
          ShardId: shardId,
          ShardIteratorType: 'AT_TIMESTAMP',
          Timestamp: new Date(Math.min(...open.map((o) => o.query.from))),
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
        const seq = r.SequenceNumber;
        const arrival = r.ApproximateArrivalTimestamp?.getTime();
        lastArrival = arrival ?? lastArrival;
        // Own shard: the marked record itself (or anything after it) ends that query's window.
        if (own)
          for (const o of [...pending]) if (compareSequence(seq, o.query.before) >= 0) pending.delete(o);
        const identity = byIdentity.get(eventIdentity(r.Data) ?? '');
        for (const o of identity ?? []) {
          if (!open.includes(o) || (own && !pending.has(o))) continue;
          if (arrival !== undefined && arrival < o.query.from) continue;
          answers[o.at] = { kind: 'duplicate', shardId, sequenceNumber: seq };
          close(o);
        }
        if (own && pending.size === 0) return { kind: 'done' };
      }
      // At the tip: an ancestor still open (it closes moments after a split) has nothing more before
      // the marked records; the marked records' own shard always reaches them first, so this is a gap.
      if ((out.Records ?? []).length === 0 && out.MillisBehindLatest === 0 && out.NextShardIterator) {
        if (!own) return { kind: 'done' };
        return { kind: 'undecided', reason: `tip of ${shardId} reached before the marked record` };
      }
      iterator = out.NextShardIterator;
    }
    if (own && pending.size > 0)
      return { kind: 'undecided', reason: `${shardId} ended before the marked record` };
    return { kind: 'ended', lastArrival };
  };

  /** Answers queries that all name one stream and shard, in `answers` (same order). */
  const findInShard = async (
    queries: readonly CopyQuery[],
    answers: CopyAnswer[],
    deadline: number,
  ): Promise<void> => {
    const [query] = queries;
    if (!query) return;
    const open: Open[] = queries.map((q, at) => ({ at, query: q, identity: identityKey(q.source, q.id) }));
    const undecided = (reason: string) => {
      for (const o of open) answers[o.at] = { kind: 'undecided', reason };
    };
    const budget = { calls: maxCalls };
    try {
      const own = await read(query.stream, query.shardId, open, true, answers, budget, deadline);
      if (own.kind === 'undecided') return undecided(own.reason);
      for (const parent of await ancestorsOf(shards, query.stream, query.shardId)) {
        const key = `${query.stream}/${parent}`;
        const quiet = quietSince.get(key);
        const reading = open.filter((o) => quiet === undefined || quiet > o.query.from);
        if (reading.length === 0) continue;
        const from = Math.min(...reading.map((o) => o.query.from));
        const outcome = await read(query.stream, parent, reading, false, answers, budget, deadline);
        const found = open.filter((o) => !reading.includes(o) && answers[o.at]?.kind === 'duplicate');
        for (const o of found) open.splice(open.indexOf(o), 1);
        if (outcome.kind === 'undecided') return undecided(outcome.reason);
        if (outcome.kind === 'ended')
          quietSince.set(key, outcome.lastArrival === undefined ? from : outcome.lastArrival + 1);
      }
      for (const o of open) answers[o.at] = { kind: 'unique' };
    } catch (error) {
      for (const o of open) answers[o.at] = failed(error);
    }
  };

  const findEarlierAll = async (queries: readonly CopyQuery[], deadline: number) => {
    const answers: CopyAnswer[] = queries.map(() => ({ kind: 'unique' }));
    // A Lambda batch is one shard; group anyway, so any mix of queries gets one read per shard.
    const groups = new Map<string, { offsets: number[]; queries: CopyQuery[] }>();
    queries.forEach((q, i) => {
      const key = `${q.stream}/${q.shardId}`;
      const group = groups.get(key) ?? { offsets: [], queries: [] };
      group.offsets.push(i);
      group.queries.push(q);
      groups.set(key, group);
    });
    for (const group of groups.values()) {
      const local: CopyAnswer[] = group.queries.map(() => ({ kind: 'unique' }));
      await findInShard(group.queries, local, deadline);
      group.offsets.forEach((at, i) => {
        answers[at] = local[i] ?? { kind: 'undecided', reason: 'no answer' };
      });
    }
    return answers;
  };

  return { findEarlierAll };
};
