import { randomUUID } from 'node:crypto';
import type { KinesisStreamBatchResponse, KinesisStreamRecord } from 'aws-lambda';
import { AppliedView } from './applied-view';
import { maxSeq, startAttempt } from './attempts';
import { type BatchDeps, LOG_MESSAGES } from './batch-deps';
import { type BatchRun, CommitRejectedError, Committer } from './commits';
import { classifyCopies, type MarkedOriginal } from './copies';
import { CopyMemories } from './copy-memory';
import { sweepAfterBatch } from './end-sweep';
import { EventTooLargeError, isPoisonRecordError, RecordTooOldError } from './errors';
import { classifyFailure, describeError } from './failures';
import { unitOf } from './fence';
import { isScopedShard, shardIdOf, streamNameOf, toConsumedEvent } from './records';
import { recoverOutbox } from './recovery';
import { runHandler } from './run-handler';
import { aloneWrite, fenceUnitsOf, lastIndexOfKeys, type SinglePathScope } from './single-path';
import { compareSequence, MAX_COMMIT_BYTES, MAX_ITEMS_PER_EVENT, type ShardPosition } from './store';
import { writeItems } from './tombstones';
import type { ConsumedEvent, StateWrite } from './types';

export { type BatchDeps, LOG_MESSAGES, type Log } from './batch-deps';

const retryFrom = (record: KinesisStreamRecord): KinesisStreamBatchResponse => ({
  batchItemFailures: [{ itemIdentifier: record.kinesis.sequenceNumber }],
});

/** Why an event's own writes cannot fit one transaction, or undefined when they can. */
const tooLarge = (writes: readonly StateWrite[], emits: readonly unknown[]): string | undefined => {
  // A delete may leave a tombstone, whose sweep entry is one more item of the transaction.
  const items = writeItems(writes) + emits.length;
  if (items > MAX_ITEMS_PER_EVENT)
    return `the event writes ${items} items (${writes.length} state writes, deletes counting their sweep entry, ${emits.length} emits); one DynamoDB transaction holds at most ${MAX_ITEMS_PER_EVENT} beside its checkpoint`;
  const bytes = Buffer.byteLength(JSON.stringify([writes, emits]));
  if (bytes > MAX_COMMIT_BYTES)
    return `the event writes ${bytes} bytes; one commit holds at most ${MAX_COMMIT_BYTES} (DynamoDB transactions: 4 MB)`;
  return undefined;
};

/**
 * Applies one Lambda batch (always one shard) in order, and owns every give-up: the event source
 * mapping retries forever (MaximumRetryAttempts -1), so nothing is dropped without being parked here.
 * Events already applied are skipped; the rest run through the handler and commit, with their emitted
 * events in the outbox, in transactions that move the checkpoint. Infrastructure failures (throttles,
 * conflicts, timeouts) are retried from the first unapplied event after a backoff, never counted.
 * Deterministic ones (handler errors, overruns, rejected writes, deaths in careful mode) are attempts;
 * after `maxAttempts` the event is parked whole and the shard goes on. See docs/consumer-runtime.md.
 */
export const processBatch = async (
  records: readonly KinesisStreamRecord[],
  deps: BatchDeps,
): Promise<KinesisStreamBatchResponse> => {
  const sweep = { due: false };
  const response = await applyBatch(records, deps, sweep);
  const first = records[0];
  if (first) await sweepAfterBatch(deps, shardIdOf(first), sweep.due);
  return response;
};

const applyBatch = async (
  records: readonly KinesisStreamRecord[],
  deps: BatchDeps,
  sweep: { due: boolean },
): Promise<KinesisStreamBatchResponse> => {
  const first = records[0];
  const last = records[records.length - 1];
  if (!first || !last) return { batchItemFailures: [] };
  const position: ShardPosition = {
    service: deps.service,
    topic: deps.topic,
    shardId: shardIdOf(first),
  };
  // Log fields name the shard; the service is already the logger's own `service` key.
  const where = { topic: position.topic, shardId: position.shardId };
  const remaining = () => deps.remainingMs?.() ?? Number.POSITIVE_INFINITY;
  const margin = deps.deadlineMarginMs ?? 2_000;
  let run: BatchRun | undefined;
  let committer: Committer | undefined;
  const maxAgeMs = isScopedShard(position.shardId) ? undefined : deps.maxRecordAgeMs;

  try {
    // The checkpoints first, then the outbox: a commit this view sees wrote its emits in the same
    // transaction, so they are either in the outbox now (recovered here, before any later emit of their
    // keys) or already published. Read the other way round, a commit landing between the two reads
    // (a zombie or twin beside this retry) left emits this invocation then overtook with later emits
    // of the same key. A commit after this view cannot be overtaken: it moved a checkpoint this
    // invocation's own commits are conditioned on.
    const view = await AppliedView.load(deps.store, position, deps.checkpoints ?? 'shard', records);
    // Emitted events a crashed invocation committed but did not publish go out first, in order.
    await recoverOutbox(
      position,
      deps,
      deps.checkpoints === 'key' ? new Set(records.map((r) => r.kinesis.partitionKey)) : undefined,
      streamNameOf(first.eventSourceARN),
    );
    // Copies in the log (docs/consumer-runtime.md): a duplicate moves the checkpoint like an applied
    // event with nothing to write; undecided stops there, not counted as a handler attempt.
    const memories = new CopyMemories(view.loaded);
    const originals = new Map<string, MarkedOriginal>();
    const copies = await classifyCopies(
      records,
      (r) => view.isApplied(r),
      deps,
      deps.deadline ?? Date.now() + 10_000,
      { of: (r) => memories.of(view.sk(r)), originals },
    );
    const failures = new Map(
      [...view.loaded].flatMap(([sk, cp]) => (cp.failure ? [[sk, cp.failure] as const] : [])),
    );
    const left = deps.remainingMs?.();
    const current: BatchRun = {
      records,
      position,
      store: deps.store,
      publisher: deps.publisher,
      view,
      token: randomUUID(),
      deadline: left === undefined ? undefined : Date.now() + left,
      careful: false,
      mark: undefined,
      failures,
      memories,
      singleAllowed: (deps.checkpoints ?? 'shard') === 'shard' && !isScopedShard(position.shardId),
      fencedTo: view.loaded.get(position.shardId)?.fencedTo,
      loadedFencedTo: view.loaded.get(position.shardId)?.fencedTo,
    };
    run = current;
    const commits = new Committer(current, deps.coalesce ?? true);
    committer = commits;
    const startIndex = records.findIndex((r) => !view.isApplied(r));
    if (startIndex < 0) {
      deps.backoff?.succeeded();
      return { batchItemFailures: [] };
    }
    const events = new Map<number, ConsumedEvent>();
    const loadedFencedTo = current.fencedTo;
    if (loadedFencedTo !== undefined) sweep.due = true;
    // Fences are written and read with shard checkpoints only (live or a session's scoped shard): with
    // per-key markers (parallelization above 1) the runtime commits as before, by transaction alone.
    const fencing = (deps.checkpoints ?? 'shard') === 'shard';
    // Key mode over records a shard-mode invocation may have written alone (at or below the shard's
    // `fencedTo`): the shard unit's fence is read, and tested by their writes (not written), so a
    // change of the parallelization factor never applies one twice (review F2).
    const shardFenced = (r: KinesisStreamRecord) =>
      !fencing &&
      loadedFencedTo !== undefined &&
      compareSequence(r.kinesis.sequenceNumber, loadedFencedTo) <= 0;
    const unitFor = (r: KinesisStreamRecord) =>
      fencing
        ? unitOf(position.topic, view.sk(r))
        : shardFenced(r)
          ? unitOf(position.topic, position.shardId)
          : undefined;
    const single: SinglePathScope = {
      allowed: current.singleAllowed,
      coalesce: deps.coalesce ?? true,
      lastOfKey: lastIndexOfKeys(records),
    };
    /**
     * Moves the checkpoint over an event with nothing (more) to write: it joins the pending commit. In
     * careful mode it commits alone, as every event there, so the attempt mark moves past it and a death
     * names the record it died on (review 19d: deaths were counted on an applied record or a copy, which
     * was then parked in the crasher's place).
     */
    const skipApplied = async (index: number, record: KinesisStreamRecord, arrivedAt: number) => {
      const sk = view.sk(record);
      if (commits.pending.mustCommitBefore([], [], sk)) await commits.commitPending(index);
      commits.pending.add(
        [],
        [],
        sk,
        view.own(sk),
        { sequenceNumber: record.kinesis.sequenceNumber, arrivedAt },
        index,
        unitFor(record),
        !fencing,
      );
      if (current.careful) await commits.commitPending(index + 1);
    };

    /**
     * One attempt of the event at `index`; parks it after `maxAttempts`. `sentAlone`: its write went
     * alone and was refused, and an earlier try of that request may still land (review EO2, 2026-11-27).
     */
    const attempt = async (index: number, error: unknown, sentAlone = false): Promise<'parked' | 'stop'> => {
      const record = records[index];
      if (!record) return 'parked';
      const seq = record.kinesis.sequenceNumber;
      const sk = view.sk(record);
      const failure = current.failures.get(sk);
      const attempts = (failure?.sequenceNumber === seq ? failure.attempts : 0) + 1;
      const event = events.get(index);
      if (attempts >= deps.maxAttempts) {
        await commits.park(index, {
          error: describeError(error),
          attempts,
          ...(sentAlone && { mayBeApplied: true }),
          ...(event && { eventId: event.id, eventType: event.type }),
        });
        deps.log?.('warn', LOG_MESSAGES.parked, {
          ...where,
          sequenceNumber: seq,
          attempts,
          error: describeError(error),
        });
        return 'parked';
      }
      const recorded = { sequenceNumber: seq, attempts, error: describeError(error) };
      // Nothing of this invocation is written alone past the checkpoint now (pending moves committed
      // before the attempt): its mark's raise of `fencedTo` is undone (review F3). But a refused write
      // sent alone may still land (an earlier try of its request, stalled, then applied): `fencedTo` keeps
      // covering it, so its re-run goes by transaction and a park of it is flagged (review EO2).
      const restore = current.singleAllowed && sk === position.shardId;
      const restored = sentAlone ? maxSeq(seq, loadedFencedTo) : loadedFencedTo;
      await deps.store.recordFailure(
        position,
        sk,
        view.own(sk),
        recorded,
        restore ? { restore: restored } : undefined,
      );
      if (restore) current.fencedTo = restored;
      current.failures.set(sk, recorded);
      current.mark = undefined;
      deps.log?.('warn', LOG_MESSAGES.handlerFailed, {
        ...where,
        seq,
        attempts,
        error: describeError(error),
      });
      return 'stop';
    };

    let i = startIndex;
    const start = await startAttempt(current, startIndex, deps.maxAttempts);
    if (start.kind === 'busy') {
      const from = records[startIndex] ?? first;
      // Paced like an infrastructure failure, so the mapping's immediate retries do not spin hot.
      const pause = deps.backoff?.failed(remaining() - margin) ?? 0;
      deps.log?.('info', LOG_MESSAGES.busy, {
        ...where,
        seq: from.kinesis.sequenceNumber,
        owner: start.owner,
        pauseMs: pause,
      });
      if (pause > 0) await new Promise((r) => setTimeout(r, pause));
      return retryFrom(from);
    }
    if (start.kind === 'park') {
      // No mark raised `fencedTo` (the park's move may even clear it): nothing goes alone after it in
      // this invocation, and the rest commits one event at a time as after any death (review F4).
      current.careful = true;
      await commits.park(startIndex, { error: describeError(start.error), attempts: start.deaths });
      deps.log?.('warn', LOG_MESSAGES.parked, {
        ...where,
        sequenceNumber: records[startIndex]?.kinesis.sequenceNumber,
        attempts: start.deaths,
        error: describeError(start.error),
      });
      i = startIndex + 1;
    } else if (start.careful)
      deps.log?.('warn', LOG_MESSAGES.died, { ...where, seq: records[startIndex]?.kinesis.sequenceNumber });

    for (;;) {
      try {
        for (; i < records.length; i++) {
          const record = records[i];
          if (!record || view.isApplied(record)) continue;
          // Every invocation starts at least one event, so a too-short timeout still makes progress.
          if (i !== startIndex && remaining() < margin) {
            await commits.commitPending(undefined);
            await commits.clearMark();
            deps.log?.('info', LOG_MESSAGES.deadline, {
              ...where,
              seq: record.kinesis.sequenceNumber,
              remainingMs: remaining(),
            });
            return retryFrom(record);
          }
          const copy = copies.get(record.kinesis.sequenceNumber);
          if (copy?.kind === 'undecided') {
            await commits.commitPending(undefined);
            await commits.clearMark();
            return retryFrom(record);
          }
          if (copy) {
            const sk = view.sk(record);
            if (copy.kind === 'overtaken') memories.forget(sk, copy.key);
            await skipApplied(i, record, Math.round(record.kinesis.approximateArrivalTimestamp * 1000));
            continue;
          }
          let event: ConsumedEvent;
          try {
            event = toConsumedEvent(record, deps.topic, deps.schemas);
          } catch (error) {
            if (!isPoisonRecordError(error)) throw error;
            await commits.park(i, { error: describeError(error), attempts: 1, errorDetails: error.details });
            deps.log?.('warn', LOG_MESSAGES.parked, {
              ...where,
              sequenceNumber: record.kinesis.sequenceNumber,
              attempts: 1,
              error: describeError(error),
            });
            continue;
          }
          const ageMs = Date.now() - event.arrivedAt;
          // A record an earlier invocation may have written alone is run, never parked unrun: only its
          // fence can tell whether it applied (docs/consumer-single-item.md, point 2).
          const mayBeFenced =
            loadedFencedTo !== undefined && compareSequence(event.sequenceNumber, loadedFencedTo) <= 0;
          if (maxAgeMs !== undefined && ageMs > maxAgeMs && !mayBeFenced) {
            const error = new RecordTooOldError(ageMs, maxAgeMs);
            await commits.park(i, {
              error: describeError(error),
              attempts: 0,
              eventId: event.id,
              eventType: event.type,
            });
            deps.log?.('warn', LOG_MESSAGES.parked, {
              ...where,
              sequenceNumber: record.kinesis.sequenceNumber,
              attempts: 0,
              error: describeError(error),
            });
            continue;
          }
          events.set(i, event);
          const original = originals.get(record.kinesis.sequenceNumber);
          if (original) memories.remember(view.sk(record), original.key, original.expiresAt);
          const index = i;
          // Half the time left at least, so a function whose timeout is below the margin still runs handlers.
          const budget = Math.max(remaining() - margin, remaining() / 2);
          const outcome = await runHandler(
            deps,
            event,
            commits.pending,
            () => commits.commitPending(index),
            budget,
            fencing || shardFenced(record) ? fenceUnitsOf(position.topic, position.shardId) : [],
          );
          if (outcome.facts.applied) {
            // A read found this event's unit fenced at or past it: applied before (prefix property).
            await skipApplied(i, record, event.arrivedAt);
            continue;
          }
          if (!outcome.ok) {
            if (outcome.error instanceof CommitRejectedError) throw outcome.error;
            if (classifyFailure(outcome.error, 'handler') === 'infrastructure') throw outcome.error;
            await commits.commitPending(i);
            if ((await attempt(i, outcome.error)) === 'stop') return retryFrom(record);
            continue;
          }
          const emitted = deps.emits === 'suppress' ? [] : outcome.emits;
          const oversize = tooLarge(outcome.writes, emitted);
          if (oversize) {
            const error = new EventTooLargeError(oversize);
            await commits.park(i, {
              error: describeError(error),
              attempts: 1,
              eventId: event.id,
              eventType: event.type,
            });
            deps.log?.('warn', LOG_MESSAGES.parked, {
              ...where,
              sequenceNumber: record.kinesis.sequenceNumber,
              attempts: 1,
              error: describeError(error),
            });
            continue;
          }
          const sk = view.sk(record);
          // A record an earlier invocation may have written alone goes by transaction, conditioned on the
          // checkpoint: alone, a late attempt of it could land once its fence was pruned (review EO1, 2026-11-27).
          const scope: SinglePathScope = {
            ...single,
            allowed: single.allowed && !current.careful && !mayBeFenced,
          };
          const alone = aloneWrite(scope, i, record, { ...outcome, emits: emitted }, commits.pending);
          if (alone || outcome.writes.some((w) => w.kind === 'delete')) sweep.due = true;
          if (alone) {
            try {
              await commits.writeAlone(
                i,
                alone,
                unitOf(position.topic, position.shardId),
                record.kinesis.sequenceNumber,
              );
            } catch (error) {
              if (!(error instanceof CommitRejectedError)) throw error;
              await commits.commitPending(i);
              if ((await attempt(i, error.cause, true)) === 'stop') return retryFrom(record);
              continue;
            }
            await skipApplied(i, record, event.arrivedAt);
            continue;
          }
          if (commits.pending.mustCommitBefore(outcome.writes, emitted, sk)) await commits.commitPending(i);
          commits.pending.add(
            outcome.writes,
            emitted,
            sk,
            view.own(sk),
            { sequenceNumber: record.kinesis.sequenceNumber, arrivedAt: event.arrivedAt },
            i,
            unitFor(record),
            !fencing,
          );
          if (current.careful) await commits.commitPending(i + 1);
        }
        await commits.commitPending(undefined);
        await commits.clearMark();
        deps.backoff?.succeeded();
        return { batchItemFailures: [] };
      } catch (error) {
        if (!(error instanceof CommitRejectedError)) throw error;
        // DynamoDB refused this event's writes (over 400 KB, a failed condition of the handler's own, ...).
        const record = records[error.index];
        const outcome = await attempt(error.index, error.cause);
        if (outcome === 'stop' && record) return retryFrom(record);
        i = error.index + 1;
      }
    }
  } catch (error) {
    // A lost race, a store outage, an unpublished outbox: nothing uncommitted was applied. Retry from
    // the first unapplied record, or from the last one when all were applied but their emitted events
    // still wait in the outbox (the retry skips the events and publishes those first).
    // Events written alone (or run) before the failure move the checkpoint first, best effort, as on
    // the deadline path: their re-run would otherwise rest on a read or a fence alone (review F3).
    await committer?.commitPending(undefined).catch(() => undefined);
    const unapplied = run ? records.find((r) => !run?.view.isApplied(r)) : first;
    const from = unapplied ?? last;
    await committer?.clearMark();
    const kind = classifyFailure(error);
    const pause = kind === 'infrastructure' ? (deps.backoff?.failed(remaining() - margin) ?? 0) : 0;
    deps.log?.(
      kind === 'infrastructure' ? 'warn' : 'error',
      kind === 'infrastructure' ? LOG_MESSAGES.retryLater : 'batch stopped',
      {
        ...where,
        retryFrom: from.kinesis.sequenceNumber,
        pauseMs: pause,
        error: describeError(error),
      },
    );
    if (pause > 0) await new Promise((r) => setTimeout(r, pause));
    return retryFrom(from);
  }
};
