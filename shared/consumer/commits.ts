import type { KinesisStreamRecord } from 'aws-lambda';
import type { AppliedView } from './applied-view';
import type { CopyMemories } from './copy-memory';
import { isAlreadyAppliedError } from './errors';
import { classifyFailure } from './failures';
import type { OutboxEntry } from './outbox';
import { type PendingEvent, PendingWrites } from './pending';
import type { EventPublisher } from './publisher';
import {
  type Commit,
  type ConsumerStore,
  compareSequence,
  type FailureRecord,
  type ParkedEvent,
  type ShardPosition,
} from './store';
import type { SingleWrite } from './types';

/** One invocation's shared state: where it is, what is applied, where its attempt mark sits. */
export interface BatchRun {
  readonly records: readonly KinesisStreamRecord[];
  readonly position: ShardPosition;
  readonly store: ConsumerStore;
  readonly publisher: EventPublisher;
  readonly view: AppliedView;
  /** Random per invocation: its attempt marks and their removal. */
  readonly token: string;
  /** Epoch ms this invocation cannot outlive (Lambda's deadline), written on its marks; unknown without a context. */
  readonly deadline: number | undefined;
  /** Careful mode (after a death): one event per commit, so a death names its event. */
  careful: boolean;
  /** The checkpoint item holding this invocation's attempt mark, if any. */
  mark: string | undefined;
  /** Failures loaded or recorded, per checkpoint item: attempts survive across invocations. */
  readonly failures: Map<string, FailureRecord>;
  /** Ids of applied marked records per checkpoint item, written by the commits that move the item. */
  readonly memories: CopyMemories;
  /** Shard checkpoints on a live shard: events may be written alone (docs/consumer-single-item.md). */
  readonly singleAllowed: boolean;
  /** The shard checkpoint's `fencedTo` (loaded, then raised by this invocation's mark); a move past it clears it. */
  fencedTo: string | undefined;
  /**
   * The `fencedTo` the batch loaded: records at or below it an earlier invocation may have written
   * alone, so a park of one is flagged `mayBeApplied` (its failed re-run proves nothing; review F3).
   */
  readonly loadedFencedTo: string | undefined;
}

/** A commit DynamoDB refused for its content (not a transient fault); `index` names the culprit event. */
export class CommitRejectedError extends Error {
  readonly code = 'COMMIT_REJECTED';
  constructor(
    readonly index: number,
    options: { cause: unknown },
  ) {
    super('DynamoDB rejected the commit of this event', options);
    this.name = 'CommitRejectedError';
  }
}

/**
 * Commits for one invocation. Every commit moves the attempt mark to the next record the batch has not
 * applied (or removes it), in the same transaction: the mark always names the first uncommitted
 * record, at no extra write on a shard checkpoint. Commits run one at a time, even when an abandoned
 * handler still asks for one in the background.
 */
export class Committer {
  readonly pending: PendingWrites;
  private chain: Promise<void> = Promise.resolve();

  /** `coalesce`: fold writes to one item within a commit (the catalog's `coalesce`, default on). */
  constructor(
    private readonly run: BatchRun,
    coalesce = true,
  ) {
    this.pending = new PendingWrites(coalesce);
  }

  /** Where the mark goes once the events before `from` are committed: the next unapplied record. */
  private markFrom(from: number | undefined): Commit['started'] {
    if (from === undefined) return undefined;
    const { records, view } = this.run;
    const next = records.slice(from).find((r) => !view.isApplied(r));
    if (!next) return undefined;
    const sk = view.sk(next);
    return {
      sk,
      expected: view.own(sk),
      mark: {
        seq: next.kinesis.sequenceNumber,
        token: this.run.token,
        careful: this.run.careful,
        at: Date.now(),
        ...(this.run.deadline !== undefined && { deadline: this.run.deadline }),
      },
    };
  }

  private async send(
    commit: Omit<Commit, 'position' | 'started' | 'flagKeyMarkers'>,
    next: number | undefined,
  ) {
    const { run } = this;
    const started = this.markFrom(next);
    const flag = run.view.needsKeyMarkersFlag;
    const fenced = run.fencedTo;
    const moves = commit.moves.map((m) => {
      const copies = run.memories.change(m.sk, m.next.arrivedAt);
      const clear =
        fenced !== undefined &&
        m.sk === run.position.shardId &&
        compareSequence(m.next.sequenceNumber, fenced) >= 0;
      return { ...m, ...(copies && { copies }), ...(clear && { clearFencedTo: true }) };
    });
    await run.store.commit({
      ...commit,
      moves,
      position: run.position,
      ...(started && { started }),
      ...(flag && { flagKeyMarkers: true }),
    });
    if (flag) run.view.needsKeyMarkersFlag = false;
    for (const m of moves) {
      if (m.copies) run.memories.written(m.sk, m.copies.memory);
      if (m.clearFencedTo) run.fencedTo = undefined;
    }
    for (const m of commit.moves) {
      run.view.moved(m.sk, m.next.sequenceNumber);
      run.failures.delete(m.sk);
    }
    run.mark = started?.sk;
  }

  private async publish(entries: readonly OutboxEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.run.publisher.publish(entries);
    await this.run.store.deleteOutbox(
      this.run.position,
      entries.map((e) => e.sk),
    );
  }

  /**
   * Commits the pending events; `next` is the batch index of the first record not among them (the
   * mark goes there), undefined when the invocation answers right after. A commit DynamoDB refuses for
   * its content is retried event by event: the events before the culprit apply, the culprit comes
   * back as `CommitRejectedError`, the events after it are dropped (they may have read its writes).
   */
  commitPending(next: number | undefined): Promise<void> {
    const run = this.chain.catch(() => undefined).then(() => this.commitNow(next));
    this.chain = run;
    return run;
  }

  /**
   * Writes one event's only item alone, fenced (docs/consumer-single-item.md), in the commit chain's
   * order; the caller checks that nothing but checkpoint moves is pending (`pending.writeless`), so the
   * write overtakes no earlier event's. `applied`: a fence shows the event applied before.
   * The user's condition failing comes back as `CommitRejectedError`, as from a transaction.
   */
  writeAlone(index: number, write: SingleWrite, unit: string, seq: string): Promise<'written' | 'applied'> {
    const fenced: SingleWrite = { ...write, fences: [{ unit, first: seq, last: seq }] };
    const run = this.chain
      .catch(() => undefined)
      .then(async () => {
        try {
          return await this.run.store.writeFenced(this.run.position, fenced);
        } catch (cause) {
          if (classifyFailure(cause) === 'infrastructure') throw cause;
          throw new CommitRejectedError(index, { cause });
        }
      });
    this.chain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async commitNow(next: number | undefined): Promise<void> {
    const { pending } = this;
    if (pending.empty) return;
    const events = [...pending.events()];
    const outbox = pending.outbox();
    try {
      await this.send({ moves: pending.checkpointMoves(), writes: pending.writes(), outbox }, next);
    } catch (error) {
      if (isAlreadyAppliedError(error)) {
        // A fence shows an event of this commit applied by an earlier invocation: event by event, the
        // applied ones move the checkpoint without writing, the others commit.
        pending.clear();
        await this.oneByOne(events, next, error);
        return;
      }
      if (classifyFailure(error) === 'infrastructure' || events.length === 0) {
        pending.clear();
        throw error;
      }
      pending.clear();
      await this.oneByOne(events, next, error);
      return;
    }
    pending.clear();
    await this.publish(outbox);
  }

  private async oneByOne(events: readonly PendingEvent[], next: number | undefined, error: unknown) {
    const fenceOnly = isAlreadyAppliedError(error);
    if (events.length === 1 && !fenceOnly)
      throw new CommitRejectedError(events[0]?.index ?? 0, { cause: error });
    for (const [n, e] of events.entries()) {
      const move = { sk: e.sk, expected: this.run.view.own(e.sk), next: e.position };
      const after = events[n + 1]?.index ?? next;
      const seq = e.position.sequenceNumber;
      const { unit } = e;
      const writes =
        unit === undefined
          ? e.writes
          : e.writes.map((w) => ({
              ...w,
              fences: [{ unit, first: seq, last: seq, ...(e.conditionOnly && { conditionOnly: true }) }],
            }));
      try {
        await this.send({ moves: [move], writes, outbox: e.emits }, after);
      } catch (cause) {
        if (isAlreadyAppliedError(cause)) {
          await this.send({ moves: [move], writes: [] }, after);
          continue;
        }
        if (classifyFailure(cause) === 'infrastructure') throw cause;
        throw new CommitRejectedError(e.index, { cause });
      }
      await this.publish(e.emits);
    }
  }

  /** Commits what is pending, then parks the record at `index` whole and moves its checkpoint past it. */
  async park(
    index: number,
    parked: Omit<ParkedEvent, 'position' | 'sequenceNumber' | 'partitionKey' | 'data' | 'arrivedAt'>,
  ) {
    await this.commitPending(index);
    const record = this.run.records[index];
    if (!record) return;
    const sequenceNumber = record.kinesis.sequenceNumber;
    const arrivedAt = Math.round(record.kinesis.approximateArrivalTimestamp * 1000);
    const sk = this.run.view.sk(record);
    const position = this.run.position;
    const loaded = this.run.loadedFencedTo;
    const mayBeApplied = loaded !== undefined && compareSequence(sequenceNumber, loaded) <= 0;
    await this.send(
      {
        moves: [{ sk, expected: this.run.view.own(sk), next: { sequenceNumber, arrivedAt } }],
        writes: [],
        park: {
          position,
          sequenceNumber,
          partitionKey: record.kinesis.partitionKey,
          data: record.kinesis.data,
          arrivedAt,
          ...parked,
          ...(mayBeApplied && { mayBeApplied: true }),
        },
      },
      index + 1,
    );
  }

  /**
   * Removes this invocation's mark before it answers. A store that cannot be reached leaves it: later
   * invocations answer busy until its deadline passes, then read it as a death.
   */
  async clearMark(): Promise<void> {
    const sk = this.run.mark;
    if (sk === undefined) return;
    try {
      await this.run.store.clearStarted(this.run.position, sk, this.run.token);
      this.run.mark = undefined;
    } catch {
      // Later invocations then wait out this one's deadline and count a death if it was careful: one
      // attempt too many under a store outage, never an event lost.
    }
  }
}
