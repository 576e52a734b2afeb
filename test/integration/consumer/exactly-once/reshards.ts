import { setTimeout as sleep } from 'node:timers/promises';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  type Shard,
} from '@aws-sdk/client-kinesis';
import type { FaultCounts } from '../../../../local/faults';
import type { RunNames } from './model';
import { type PlannedEvent, resendMarked } from './publish';
import type { RaceOutcome } from './race';
import { type BeforeReshard, closingShards, keyInShard, mergeAdjacent, scanAll, splitWidest } from './world';

/** An emitted event whose outbox entry a closed shard's last invocation left pending (race.ts). */
export interface PendingAtReshard {
  readonly reshard: 'split' | 'merge';
  readonly shardId: string;
  readonly eventId: string;
  readonly key: string;
  /** The entry's sort key in its shard's outbox partition. */
  readonly sk: string;
}

/** The counter's Lambda service, as far as the reshards use it (see `lambdaService`). */
interface HeldService {
  hold(): () => void;
  raceLastBatch(o: {
    readonly tag: string;
    readonly shardId: string;
    readonly lastSeq: string;
  }): Promise<RaceOutcome>;
}

/**
 * The sequence number of a shard's last record, read from its start. An empty page proves nothing on
 * AWS ("It might take multiple calls to get to a portion of the shard that contains records"): the
 * read ends where the runtime's readers end it, at no next iterator (a closed shard's end) or at an
 * empty page with MillisBehindLatest 0 (an open shard's tip).
 */
const lastSequenceIn = async (kinesis: KinesisClient, stream: string, shardId: string) => {
  let iterator = (
    await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: stream,
        ShardId: shardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    )
  ).ShardIterator;
  let last: string | undefined;
  // A cap far above the calls a shard of a run needs (it holds a few thousand records), so a reader
  // that never reaches the end fails loudly instead of returning a too-early number.
  for (let reads = 0; iterator !== undefined; reads++) {
    if (reads >= 1_000) throw new Error(`${shardId} of ${stream}: no end after ${reads} GetRecords`);
    const out = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
    const records = out.Records ?? [];
    last = records.at(-1)?.SequenceNumber ?? last;
    if (records.length === 0 && out.MillisBehindLatest === 0) break;
    iterator = out.NextShardIterator;
  }
  return last;
};

/** Records a closing parent may hold after its round is published: under the mapping's batch size (100). */
const PARENT_BACKLOG = 90;

const num = (item: Record<string, unknown> | undefined, field: string) => Number(item?.[field] ?? 0);

/**
 * A split and a merge of the counts stream while the rounds are published (at `reshardAt` events
 * published), as `publishRounds` callbacks. What each one forces is documented below.
 */
export const reshardsWhilePublishing = (d: {
  readonly direct: { readonly kinesis: KinesisClient; readonly dynamo: DynamoDBClient };
  readonly names: RunNames;
  readonly counts: FaultCounts;
  readonly counter: HeldService;
  /** The counter's event source mapping on counts: paused, each shard's poller idle, resumed. */
  readonly mapping: {
    readonly pause: () => void;
    readonly paused: (shardId: string) => boolean;
    readonly resume: () => void;
  };
  /** How many rounds will be published. */
  readonly rounds: number;
  readonly reshardAt: readonly [number, number];
  /** Epoch ms: a counter not caught up by then has stalled, and the run fails saying so. */
  readonly deadlineAt: number;
  /**
   * Whether each reshard forces an emit left pending by the closing shard's last invocation (a race
   * there). Off when the mapping may give batches up: the parent's emitting records can then be
   * dropped, and the race never comes (measured with the former forced death: a finite-budget run
   * waited its whole 600 s deadline for it).
   */
  readonly forcePending: boolean;
}) => {
  const { names, counts, direct } = d;
  const pendingAtReshards: PendingAtReshard[] = [];
  const reshards: string[] = [];
  /** Per reshard, measured: until the counter caught up on the parent(s), and the reshard itself. */
  const timings: string[] = [];
  /**
   * A reshard between a write and its read, forced at each split and merge: marked copies of the
   * last round's events that hash into the closing shard(s) are written there just before it closes,
   * as a lost PutRecords' re-send would be, and once more just after, into the children (whose
   * look-back must then read the closed parent). Counted as `reshard.markedCopy.unread` when the
   * counter had not applied the original yet (original and copy sit unread in the parent), else
   * `.read`, and `.child` for the copies after; outbox entries pending then as `reshard.outboxPending`
   * (any shard).
   */
  const reshardWithCopies = async (
    kind: 'split' | 'merge',
    round: readonly PlannedEvent[],
    since: number,
  ) => {
    let moved: readonly PlannedEvent[] = [];
    const before: BeforeReshard = async (parents) => {
      moved = round.filter((e) => parents.some((p) => keyInShard(e.counter, p)));
      const totals = new Map(
        (await scanAll(direct.dynamo, names.tables.totals)).map((i) => [String(i.pk), i]),
      );
      // At most a batch per parent with its originals: the race needs the parent's last batch to hold
      // emitting originals, not only copies (by the binomial odds, not measured: a round of 150 keys
      // puts more than 50 events into a quarter of the hash space about once in 100 parents).
      const copied = parents.flatMap((p) => {
        const into = moved.filter((e) => keyInShard(e.counter, p));
        return into.slice(0, Math.max(1, PARENT_BACKLOG - into.length));
      });
      await resendMarked(direct.kinesis, names.counts, copied, since);
      for (const e of copied)
        counts.add(
          `reshard.markedCopy.${num(totals.get(e.counter), 'count') <= e.index ? 'unread' : 'read'}`,
        );
      for (const _ of await scanAll(direct.dynamo, names.tables.outbox)) counts.add('reshard.outboxPending');
    };
    let closed: readonly Shard[] = [];
    const done = await (kind === 'split' ? splitWidest : mergeAdjacent)(
      direct.kinesis,
      names.counts,
      async (parents) => {
        closed = parents;
        await before(parents);
      },
    );
    await resendMarked(direct.kinesis, names.counts, moved, since);
    for (const _ of moved) counts.add('reshard.markedCopy.child');
    return { done, parents: closed };
  };
  /**
   * Each reshard is prepared in one round, so that both of its forced cases hold on any machine:
   * - the first round after the reshard is due that emits (every third event of a key) and has a key
   *   in the closing shard(s) is published while the counter's mapping is paused, after it caught up
   *   on the closing shard(s): its originals and their marked copies sit unapplied there when it closes
   *   (`reshard.markedCopy.unread`), and the parent's backlog is that round alone, so its last batch
   *   holds emitting events;
   * - after the reshard, the last batch of a closed parent is played as race.ts's race (its invocation
   *   commits the batch with its emits and dies before it publishes, and the mapping gives the batch up,
   *   as it does once records expire): nothing retries the closed parent, and only a child's recovery
   *   of its ancestors' outbox publishes the entries (`reshard.<split|merge>.outboxPendingInParent`,
   *   then `outbox.claimed.parent`). A death after the commit alone (the former forcing) was always
   *   recovered by the mapping's retry on the parent itself.
   */
  const kinds = ['split', 'merge'] as const;
  let release: (() => void) | undefined;
  /** Per key, the events published so far (rounds hold one event per key, in order). */
  const publishedOf = new Map<string, number>();
  /** Waits until the counter applied every event published so far of the keys in `parents`. */
  const caughtUp = async (parents: readonly Shard[]) => {
    for (;;) {
      const totals = new Map(
        (await scanAll(direct.dynamo, names.tables.totals)).map((i) => [String(i.pk), i]),
      );
      const behind = [...publishedOf].filter(
        ([key, n]) => parents.some((p) => keyInShard(key, p)) && num(totals.get(key), 'count') < n,
      );
      if (behind.length === 0) return;
      if (Date.now() > d.deadlineAt)
        throw new Error(`the counter did not catch up on ${behind.length} keys before a reshard: it stalled`);
      await sleep(500);
    }
  };
  /** After each round: the reshard that round was held for, the race on its parents, then the release. */
  const afterRound = async (_published: number, round: readonly PlannedEvent[], since: number) => {
    for (const e of round) publishedOf.set(e.counter, e.index + 1);
    const kind = kinds[reshards.length];
    if (kind === undefined || release === undefined) return;
    const started = Date.now();
    const { done, parents } = await reshardWithCopies(kind, round, since);
    reshards.push(done);
    if (d.forcePending) {
      // Only parents with an emitting event of the round: their last batch holds emits.
      for (const p of parents) {
        const shardId = p.ShardId ?? '';
        const lastSeq = await lastSequenceIn(direct.kinesis, names.counts, shardId);
        if (!lastSeq || !round.some((e) => keyInShard(e.counter, p))) continue;
        void d.counter.raceLastBatch({ tag: `reshard.${kind}`, shardId, lastSeq }).then((left) => {
          for (const entry of left.entries) {
            counts.add(`reshard.${kind}.outboxPendingInParent`);
            counts.add('reshard.outboxPendingInParent');
            pendingAtReshards.push({
              reshard: kind,
              shardId: left.shardId,
              eventId: entry.envelope.id,
              key: entry.envelope.partitionkey,
              sk: entry.sk,
            });
          }
        });
      }
    }
    timings.push(
      `${kind}: ${d.forcePending ? `caught up and paused in ${((heldAt - armedAt) / 1000).toFixed(1)} s, race armed` : 'no race'}, reshard ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    release();
    release = undefined;
  };
  let armedAt = 0;
  let heldAt = 0;
  /** Before each round: hold the counter for the reshard's round, once it caught up on the parent(s). */
  const beforeRound = async (published: number, round: readonly PlannedEvent[]) => {
    const kind = kinds[reshards.length];
    const index = round[0]?.index ?? 0;
    if (kind === undefined || release !== undefined) return;
    if (published < (d.reshardAt[reshards.length] ?? 0) || (index + 1) % 3 !== 0 || index + 1 >= d.rounds)
      return;
    const parents = await closingShards(direct.kinesis, names.counts, kind);
    if (!round.some((e) => parents.some((p) => keyInShard(e.counter, p)))) return;
    armedAt = Date.now();
    if (!d.forcePending) {
      release = d.counter.hold();
      return;
    }
    await caughtUp(parents);
    // Paused rather than held: a held counter's poller still reads, and can take the round's originals
    // in a batch of their own before the copies are written; the last batch then holds only copies and
    // its race finds no emit (seen held, in two runs: 5 of 6 races missed, their zombie's last commit
    // held no emit; paused, 6 of 6 played out in two runs). Paused, the parent's pollers are idle,
    // and read the round and its copies in one go on resume.
    d.mapping.pause();
    while (parents.some((p) => !d.mapping.paused(p.ShardId ?? ''))) {
      if (Date.now() > d.deadlineAt)
        throw new Error('the counter did not pause before a reshard: it stalled');
      await sleep(200);
    }
    heldAt = Date.now();
    release = d.mapping.resume;
  };
  return { afterRound, beforeRound, reshards, pendingAtReshards, timings };
};
