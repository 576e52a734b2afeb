import { setTimeout as sleep } from 'node:timers/promises';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { FaultCounts } from '../../../../local/faults';
import { createDocumentClient } from '../../../../shared/aws';
import { createDynamoStore } from '../../../../shared/consumer';
import type { CommitDeath } from './lambda';
import type { RunNames } from './model';
import { type PlannedEvent, resendMarked } from './publish';
import { type BeforeReshard, closingShards, keyInShard, mergeAdjacent, scanAll, splitWidest } from './world';

/** An emitted event whose outbox entry was still pending in a shard when a reshard closed it. */
export interface PendingAtReshard {
  readonly reshard: 'split' | 'merge';
  readonly shardId: string;
  readonly eventId: string;
  readonly key: string;
}

/** The counter's Lambda service, as far as the reshards use it (see `lambdaService`). */
interface HeldService {
  hold(): () => void;
  dieAfterCommit(o: {
    readonly tag: string;
    readonly outboxTable: string;
    readonly shards?: ReadonlySet<string>;
    readonly hold?: boolean;
  }): Promise<CommitDeath>;
}

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
  /** How many rounds will be published. */
  readonly rounds: number;
  readonly reshardAt: readonly [number, number];
  /** Epoch ms: a death not come by then means a stalled counter, and the run fails saying so. */
  readonly deadlineAt: number;
  /**
   * Whether each reshard forces an emit pending in the closing shard (a death there). Off when the
   * mapping may give batches up: the parent's emitting records can then be dropped, and the death
   * never comes (measured: a finite-budget run waited its whole 600 s deadline for it).
   */
  readonly forcePending: boolean;
}) => {
  /** The armed death, or undefined at the run's deadline (the counter stalled). */
  const untilDeath = async (death: Promise<CommitDeath>) => {
    const timer = new AbortController();
    const wait = Math.max(0, d.deadlineAt - Date.now());
    return Promise.race([death, sleep(wait, undefined, { signal: timer.signal })]).finally(() =>
      timer.abort(),
    );
  };
  const { names, counts, direct } = d;
  const directStore = createDynamoStore({
    client: createDocumentClient(d.direct.dynamo),
    service: 'counter',
    checkpointsTable: names.tables.checkpoints,
    parkingTable: names.tables.parking,
    outboxTable: names.tables.outbox,
    stateTables: { totals: names.tables.totals },
  });
  const pendingAtReshards: PendingAtReshard[] = [];
  const reshards: string[] = [];
  /** Per reshard, measured: armed -> died (the counter reached an emit in the parent), and the reshard itself. */
  const timings: string[] = [];
  let armedAt = 0;
  let diedAt = 0;
  /**
   * A reshard between a write and its read, forced at each split and merge: marked copies of the
   * last round's events that hash into the closing shard(s) are written there just before it closes,
   * as a lost PutRecords' re-send would be, and once more just after, into the children (whose
   * look-back must then read the closed parent). Counted as `reshard.markedCopy.unread` when the
   * counter had not applied the original yet (original and copy sit unread in the parent), else
   * `.read`, and `.child` for the copies after; outbox entries pending then as `reshard.outboxPending`
   * (any shard), those of the closing shard(s) as `reshard.<split|merge>.outboxPendingInParent`, each
   * kept in `pendingAtReshards` so the test can show its event applied once downstream.
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
      await resendMarked(direct.kinesis, names.counts, moved, since);
      for (const e of moved)
        counts.add(
          `reshard.markedCopy.${num(totals.get(e.counter), 'count') <= e.index ? 'unread' : 'read'}`,
        );
      for (const _ of await scanAll(direct.dynamo, names.tables.outbox)) counts.add('reshard.outboxPending');
      for (const parent of parents) {
        const shardId = parent.ShardId ?? '';
        for (const entry of await directStore.loadOutbox({
          service: 'counter',
          topic: names.counts,
          shardId,
        })) {
          counts.add(`reshard.${kind}.outboxPendingInParent`);
          pendingAtReshards.push({
            reshard: kind,
            shardId,
            eventId: entry.envelope.id,
            key: entry.envelope.partitionkey,
          });
        }
      }
    };
    const done = await (kind === 'split' ? splitWidest : mergeAdjacent)(direct.kinesis, names.counts, before);
    await resendMarked(direct.kinesis, names.counts, moved, since);
    for (const _ of moved) counts.add('reshard.markedCopy.child');
    return done;
  };
  /**
   * Each reshard is prepared over two rounds, so that both of its forced cases hold on any machine:
   * - the first round after the reshard is due that emits (every third event of a key) and has a key
   *   in the closing shard(s) arms a death right after a commit with an emit there; the death holds
   *   the counter, so the entry is still pending in the parent when it closes
   *   (`reshard.<split|merge>.outboxPendingInParent`), and only a retry on the closed parent or its
   *   children can recover it;
   * - the next round is published while the counter is still held, so its originals and their marked
   *   copies sit unapplied in the closing shard (`reshard.markedCopy.unread`; on a fast machine the
   *   counter used to catch up first); the reshard follows that round, then the hold is released.
   */
  const kinds = ['split', 'merge'] as const;
  let death: Promise<CommitDeath> | undefined;
  /** The armed death once it has come (set as it fires, so a round can check without waiting). */
  let fired: CommitDeath | undefined;
  let release: (() => void) | undefined;
  /** After each round: the reshard that round was held for, then the release. */
  const afterRound = async (_published: number, round: readonly PlannedEvent[], since: number) => {
    const kind = kinds[reshards.length];
    if (kind === undefined || release === undefined) return;
    const started = Date.now();
    reshards.push(await reshardWithCopies(kind, round, since));
    timings.push(
      `${kind}: ${d.forcePending ? `death ${((diedAt - armedAt) / 1000).toFixed(1)} s after arming` : 'no forced death'}, reshard ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    release();
    release = undefined;
  };
  /** Before each round: arm the death in the closing shard(s), or wait for it (then the counter is held). */
  const beforeRound = async (published: number, round: readonly PlannedEvent[]) => {
    const kind = kinds[reshards.length];
    const index = round[0]?.index ?? 0;
    if (kind === undefined || release !== undefined) return;
    if (death) {
      // No timer: the death fires at a commit with an emit on the parent(s) by a container it is armed
      // in. Publishing goes on meanwhile: a duplicate invocation (never armed) may apply the round
      // that was due to fire it, and only later rounds then bring the next such commit (a review found
      // that waiting here could then stall until the deadline). Only the last round waits for it; the
      // run's own deadline bounds a stalled counter.
      if (fired === undefined && index + 1 < d.rounds) return;
      const died = fired ?? (await untilDeath(death));
      if (died === undefined)
        throw new Error(
          `the death armed in the ${kind} parent did not come by the run's deadline: the counter stalled`,
        );
      diedAt = Date.now();
      release = died.release ?? d.counter.hold();
      death = undefined;
      fired = undefined;
      return;
    }
    if (published < (d.reshardAt[reshards.length] ?? 0) || (index + 1) % 3 !== 0 || index + 1 >= d.rounds)
      return;
    if (!d.forcePending) {
      release = d.counter.hold();
      return;
    }
    const parents = await closingShards(direct.kinesis, names.counts, kind);
    if (!round.some((e) => parents.some((p) => keyInShard(e.counter, p)))) return;
    armedAt = Date.now();
    death = d.counter.dieAfterCommit({
      tag: `reshard.${kind}`,
      outboxTable: names.tables.outbox,
      shards: new Set(parents.flatMap((p) => (p.ShardId ? [p.ShardId] : []))),
      hold: true,
    });
    void death.then((died) => {
      fired = died;
    });
  };
  return { afterRound, beforeRound, reshards, pendingAtReshards, timings };
};
