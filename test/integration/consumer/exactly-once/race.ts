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
  /** After the container loaded its own shard's outbox (recovery's first read). */
  ownOutboxLoaded?: () => Promise<void>;
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

/** A promise with its resolve; resolving again is a no-op. */
const deferred = <T>() => {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
};

/** Settles never: what the rest of a killed invocation looks like. */
const never = <T>(): Promise<T> => new Promise<T>(() => {});

/**
 * The interleaving by which a closed shard's outbox entry outlives its shard's last invocation under
 * retries for ever (nothing else does: a publish that fails after its commit fails the batch, which
 * the mapping retries on the parent; the mapping's own give-ups would, but Spine sets its retries and
 * record age to -1). A timed-out invocation of the shard's last batch (the zombie,
 * still running) and the mapping's retry of that batch run side by side:
 * 1. the retry loads its shard's outbox (empty: nothing committed yet);
 * 2. the zombie commits the batch's last events with their emits, then is killed at its deadline
 *    before it publishes them;
 * 3. the retry loads its checkpoint, finds every record applied and answers success.
 * The mapping moves past the shard, which is closed: nothing retries it, and only a child's recovery of
 * its ancestors' outbox publishes the entries. Here each step waits for the one before (the zombie's
 * commit for the retry's load, the retry's checkpoint read for that commit), so the interleaving is
 * certain; on AWS it is a matter of timing.
 *
 * `zombie` runs as a twin (its answer discarded, as a timed-out one is); `retry`'s answer is returned.
 * Returns the retry's answer with what the race left, or why it did not happen (the batch's last
 * commit held no emit, the zombie answered a retry, or the retry failed): the caller then re-arms it.
 */
export const playRace = async <C extends RaceContainer>(o: {
  readonly zombie: C;
  readonly retry: C;
  readonly shardId: string;
  readonly run: (c: C, twin: boolean) => Promise<KinesisStreamBatchResponse>;
}): Promise<{
  response: KinesisStreamBatchResponse | undefined;
  left?: RaceOutcome;
  /** Why not: the zombie answered a retry (e.g. busy), answered with no emit in its last commit, or died. */
  missed?: string;
}> => {
  const { zombie, retry } = o;
  const retryLoaded = deferred<void>();
  const zombieCommitted = deferred<readonly OutboxEntry[] | undefined>();
  const retryDone = deferred<void>();
  const zombieDone = deferred<void>();
  zombie.race.finalCommit = async (entries, commit) => {
    zombie.race.finalCommit = undefined;
    await Promise.race([retryLoaded.promise, retryDone.promise]);
    try {
      await commit();
    } catch (error) {
      zombieCommitted.resolve(undefined);
      throw error;
    }
    zombieCommitted.resolve(entries);
    zombie.transport.kill();
    return never();
  };
  retry.race.ownOutboxLoaded = async () => {
    retry.race.ownOutboxLoaded = undefined;
    retryLoaded.resolve();
    await Promise.race([zombieCommitted.promise, zombieDone.promise]);
  };
  const zombieRun = o.run(zombie, true);
  let zombieAnswer = 'zombieDied';
  void zombieRun.then(
    (r) => {
      zombieAnswer = r.batchItemFailures.length > 0 ? 'zombieRetried' : 'zombieNoEmit';
    },
    () => {},
  );
  void Promise.race([settled(zombieRun), zombie.transport.died]).then(() => {
    zombieCommitted.resolve(undefined);
    zombieDone.resolve();
  });
  const retryRun = o.run(retry, false);
  void Promise.race([settled(retryRun), retry.transport.died]).then(() => retryDone.resolve());
  const response = await Promise.race([retryRun, retry.transport.died.then(() => undefined)]).catch(
    () => undefined,
  );
  zombie.race.finalCommit = undefined;
  retry.race.ownOutboxLoaded = undefined;
  const entries = await zombieCommitted.promise;
  const answered = response !== undefined && response.batchItemFailures.length === 0;
  if (answered && entries && entries.length > 0) return { response, left: { shardId: o.shardId, entries } };
  return { response, missed: entries === undefined ? zombieAnswer : 'retryFailed' };
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
