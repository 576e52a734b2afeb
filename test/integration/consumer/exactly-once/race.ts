import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import type { OutboxEntry } from '../../../../shared/consumer';
import type { DyingHttpHandler } from './transport';

/**
 * Per-container hooks into the consumer's store (world.ts wraps it), set only while a race runs. Both
 * are one-shot: each clears itself when it fires.
 */
export interface RaceHooks {
  /** Around the commit that ends an invocation's batch (no attempt mark left) and holds emits. */
  finalCommit?: (entries: readonly OutboxEntry[], commit: () => Promise<void>) => Promise<void>;
}

/** A race to play at a closed shard's last batch (the one holding its record `lastSeq`). */
export interface ArmedRace {
  readonly tag: string;
  readonly shardId: string;
  readonly lastSeq: string;
  readonly won: (outcome: RaceOutcome) => void;
}

/** What a race left: entries committed in the closed shard and never published, no retry due there. */
export interface RaceOutcome {
  readonly shardId: string;
  readonly entries: readonly OutboxEntry[];
}

interface RaceContainer {
  readonly transport: DyingHttpHandler;
  readonly race: RaceHooks;
}

const settled = (p: Promise<unknown>): Promise<void> =>
  p.then(
    () => {},
    () => {},
  );

/** Settles never: what the rest of a killed invocation looks like. */
const never = <T>(): Promise<T> => new Promise<T>(() => {});

/**
 * The way a closed shard's outbox entry outlives its shard's last invocation: that invocation commits
 * the batch's last events with their emits and dies before it publishes them, and the mapping then
 * moves past the batch with no retry that succeeds. Spine sets the mapping's retries and record age to
 * -1, and AWS then retries "until the record expires": the give-up left is the stream's retention
 * (a batch that keeps failing for a day, then expires), played here at once. Any retry that runs
 * recovers the entries itself: it reads its checkpoints before its outbox, so a commit it sees
 * applied has its emits still in the outbox or already published, and a commit after its reads moves
 * a checkpoint its own commits are conditioned on. (Until 2026-11-27 it read the outbox first, and a
 * twin's commit between the two reads was this race: the retry answered success with the entries
 * left, and its later emits of the same keys overtook them, the factor-4 `outOfOrder` flake.)
 *
 * Only applied records are given up, as in a run with unlimited retries nothing may be lost: once the
 * invocation is killed after its commit, `firstUnapplied` (a calm reader of the checkpoints) must find
 * every record of the batch applied; otherwise the invocation died like any other, and the mapping
 * retries the whole batch (a miss, `unapplied`: the gate also fires on a commit before an early exit,
 * the deadline's or an undecided copy's). Returns the answer the mapping gets, with what
 * the race left, or why it did not happen (the batch's last commit held no emit, the invocation
 * answered a retry, or it died elsewhere): the caller then re-arms it.
 */
export const playRace = async <C extends RaceContainer>(o: {
  readonly dying: C;
  readonly run: (c: C) => Promise<KinesisStreamBatchResponse>;
  readonly shardId: string;
  /** The first record of the batch its checkpoints do not cover, read past the fault relays. */
  readonly firstUnapplied: () => Promise<string | undefined>;
}): Promise<{
  response: KinesisStreamBatchResponse | undefined;
  left?: RaceOutcome;
  missed?: string;
}> => {
  const { dying } = o;
  let committed: readonly OutboxEntry[] | undefined;
  dying.race.finalCommit = async (entries, commit) => {
    dying.race.finalCommit = undefined;
    await commit();
    committed = entries;
    dying.transport.kill();
    return never();
  };
  const run = o.run(dying);
  let response: KinesisStreamBatchResponse | undefined;
  void run.then(
    (r) => {
      response = r;
    },
    () => {},
  );
  await Promise.race([settled(run), dying.transport.died]);
  dying.race.finalCommit = undefined;
  if (committed === undefined || committed.length === 0) {
    const missed =
      response === undefined ? 'died' : response.batchItemFailures.length > 0 ? 'retried' : 'noEmit';
    return { response, missed };
  }
  // A killed invocation has no answer: the mapping retries the whole batch, as after any death.
  if ((await o.firstUnapplied()) !== undefined) return { response: undefined, missed: 'unapplied' };
  return { response: { batchItemFailures: [] }, left: { shardId: o.shardId, entries: committed } };
};

/** The armed race `event` is the last batch for, if any. */
export const raceFor = (
  races: readonly ArmedRace[],
  event: KinesisStreamEvent,
  shardId: string,
): ArmedRace | undefined =>
  races.find(
    (r) => r.shardId === shardId && event.Records.some((rec) => rec.kinesis.sequenceNumber === r.lastSeq),
  );
