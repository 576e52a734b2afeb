import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { type ClaimSet, claimAll, mapLimit, releaseClaims } from './claims';
import { type EventProblem, IngressError } from './errors';
import type { IdempotencyStore } from './idempotency';
import type { LogSearchOptions } from './log-search';
import type { PreparedEvent } from './prepared';
import { recoverTakenOver } from './recover';
import { type WriterOptions, type WrittenRecord, writeRecords } from './writer';

/** One line of a 202 answer, in request order. */
export interface PublishResult {
  readonly id: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly duplicate: boolean;
}

export interface PublishDeps {
  readonly kinesis: KinesisClient;
  readonly store: IdempotencyStore;
  readonly writer?: WriterOptions;
  /** Bounds of the log search made before re-writing an event whose stale claim was taken over. */
  readonly search?: LogSearchOptions;
  /** Reports failures that are not the caller's business (a claim left pending, a failed release). */
  readonly warn?: (message: string, error: unknown) => void;
}

const resultOf = (
  event: PreparedEvent,
  claims: ClaimSet,
  written: ReadonlyMap<number, WrittenRecord>,
  recovered: ReadonlyMap<number, WrittenRecord>,
): PublishResult | undefined => {
  const outcome = claims.outcomes.get(event.index);
  if (outcome?.kind === 'duplicate') return { ...outcome.result, duplicate: true };
  const found = recovered.get(event.index);
  if (found) return { id: event.envelope.id, ...found, duplicate: true };
  const w = written.get(event.index);
  return w ? { id: event.envelope.id, ...w, duplicate: false } : undefined;
};

/**
 * Claims idempotency keys, looks in the log for events whose stale claim it took over, writes the new events in as few PutRecords calls as possible, records what
 * was written, and answers one result per event in request order. Events already known are answered
 * from the store (`duplicate: true`) and not written. If some events could not be written after retries,
 * their claims are released and a 429 (all throttled) or 503 names them, with the results of the rest:
 * retrying the whole request with the same keys is then safe.
 */
export const publishEvents = async (
  deps: PublishDeps,
  streamName: string,
  events: readonly PreparedEvent[],
): Promise<PublishResult[]> => {
  const warn = deps.warn ?? (() => undefined);
  const claims = await claimAll(deps.store, events, warn);
  const recovered = await recoverTakenOver(
    { kinesis: deps.kinesis, store: deps.store, warn, ...(deps.search ? { search: deps.search } : {}) },
    streamName,
    events,
    claims.outcomes,
  );
  const toWrite = events.filter(
    (e) =>
      !claims.repeats.has(e.index) &&
      !recovered.has(e.index) &&
      claims.outcomes.get(e.index)?.kind !== 'duplicate',
  );
  const outcome = await writeRecords(
    deps.kinesis,
    streamName,
    toWrite.map((e) => ({ index: e.index, partitionKey: e.envelope.partitionkey, data: e.bytes })),
    deps.writer,
  );

  await mapLimit(toWrite, 32, async (event) => {
    const claim = claims.outcomes.get(event.index);
    const written = outcome.written.get(event.index);
    if (claim?.kind !== 'claimed' || !written || !event.idempotency) return;
    try {
      await deps.store.complete(event.idempotency.pk, claim.token, { id: event.envelope.id, ...written });
    } catch (error) {
      // The event is in the log, so the answer stays 202; the key stays pending until its lease ends.
      warn('idempotency claim not completed after a successful write', error);
    }
  });
  const failedEvents = toWrite.filter((e) => outcome.failed.has(e.index));
  await releaseClaims(deps.store, failedEvents, claims.outcomes, warn);

  const results = new Map<number, PublishResult>();
  for (const event of events) {
    const r = resultOf(event, claims, outcome.written, recovered);
    if (r) results.set(event.index, r);
  }
  for (const [index, firstIndex] of claims.repeats) {
    const r = results.get(firstIndex);
    if (r) results.set(index, { ...r, duplicate: true });
  }
  if (results.size === events.length) return events.map((e) => results.get(e.index) as PublishResult);

  const problems: EventProblem[] = [];
  let allThrottled = true;
  for (const event of events) {
    if (results.has(event.index)) continue;
    const failure = outcome.failed.get(claims.repeats.get(event.index) ?? event.index);
    allThrottled &&= failure?.throttled === true;
    problems.push({
      index: event.index,
      path: '',
      message: failure?.throttled ? 'throttled by the log' : 'not written',
    });
  }
  const accepted = [...results].map(([index, r]) => ({ index, ...r }));
  const message = `${problems.length} of ${events.length} events were not written; retry the request with the same keys.`;
  throw new IngressError(
    allThrottled ? 'THROTTLED' : 'UNAVAILABLE',
    message,
    problems,
    allThrottled ? 1 : 2,
    {
      extra: { results: accepted },
    },
  );
};
