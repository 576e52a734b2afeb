import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { encodeEnvelope, markResent } from '../../../../shared/envelope';
import { writeRecords } from '../../../../shared/ingress';
import { envelopeOf } from '../../../fixtures/kinesis';
import { type Expected, expectEvent } from './model';
import type { DiscardMetadata } from './world';

export interface PlannedEvent {
  readonly id: string;
  readonly counter: string;
  readonly by: number;
  readonly index: number;
  /** The key's running total through this event. */
  readonly sum: number;
}

/** The events of a run and what one clean pass leaves: rounds hold at most one event per key. */
export const planEvents = (run: string, events: number, keys: number, random: () => number) => {
  const perKey = new Map<string, PlannedEvent[]>();
  const expected = new Map<string, Expected>();
  for (let n = 0; n < events; n++) {
    const counter = `${run}-k${Math.floor(random() * keys)}`;
    const list = perKey.get(counter) ?? [];
    const by = 1 + Math.floor(random() * 9);
    const sum = (list.at(-1)?.sum ?? 0) + by;
    list.push({ id: `${run}-e${n}`, counter, by, index: list.length, sum });
    perKey.set(counter, list);
    expectEvent(expected, counter, by);
  }
  const rounds: PlannedEvent[][] = [];
  for (const list of perKey.values())
    list.forEach((event, i) => {
      rounds[i] = [...(rounds[i] ?? []), event];
    });
  return { rounds, expected };
};

/**
 * Publishes with the ingress's writer (`writeRecords`), one round at a time, so a key has one event in
 * flight and the acknowledged order per key is the planned order. What the writer finally reports as
 * failed is sent again, as a producer retrying with its idempotency key would have the ingress do.
 */
export const publishRounds = async (
  kinesis: KinesisClient,
  stream: string,
  rounds: readonly PlannedEvent[][],
  onProgress: (published: number, round: readonly PlannedEvent[], startedAt: number) => Promise<void>,
  beforeRound: (published: number, round: readonly PlannedEvent[]) => Promise<void> | void = () => {},
) => {
  let published = 0;
  let calls = 0;
  for (const round of rounds) {
    await beforeRound(published, round);
    const startedAt = Date.now();
    let pending = round;
    // Events a call may have written although it reported them failed: sent again, they carry the
    // re-send mark from the round's start, as the ingress's takeover writes them. Unmarked, such a
    // copy is a second event the consumers cannot tell apart (seen under load: calls timing out).
    const uncertain = new Set<string>();
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 50) throw new Error('publishing did not converge');
      const outcome = await writeRecords(
        kinesis,
        stream,
        pending.map((e, index) => ({
          index,
          partitionKey: e.counter,
          data: uncertain.has(e.id) ? markResent(counted(e), startedAt) : counted(e),
        })),
        { callTimeoutMs: 10_000 },
      );
      calls += outcome.calls;
      for (const [i, failure] of outcome.failed) {
        const event = pending[i];
        if (failure.uncertain && event) uncertain.add(event.id);
      }
      pending = pending.filter((_, i) => !outcome.written.has(i));
    }
    published += round.length;
    await onProgress(published, round, startedAt);
  }
  return { published, calls };
};

const counted = (e: PlannedEvent) =>
  encodeEnvelope(
    envelopeOf('Counted', { counter: e.counter, by: e.by, index: e.index, sum: e.sum }, e.counter, e.id),
  );

/**
 * Writes a marked second copy of each event, as the writer does after a PutRecords whose answer it
 * lost: `since` is when the first copy's request started. Direct, with no fault relay in between.
 */
export const resendMarked = async (
  kinesis: KinesisClient,
  stream: string,
  events: readonly PlannedEvent[],
  since: number,
): Promise<void> => {
  if (events.length === 0) return;
  const out = await kinesis.send(
    new PutRecordsCommand({
      StreamName: stream,
      Records: events.map((e) => ({ PartitionKey: e.counter, Data: markResent(counted(e), since) })),
    }),
  );
  if ((out.FailedRecordCount ?? 0) > 0) throw new Error(`${out.FailedRecordCount} marked copies not written`);
};

const decode = (data: Uint8Array | undefined): { id?: string; partitionkey?: string } => {
  try {
    return JSON.parse(new TextDecoder().decode(data)) as { id?: string; partitionkey?: string };
  } catch {
    return {};
  }
};

/** Event ids per key inside the discarded ranges: what an operator can recover from metadata alone. */
export const eventsInRanges = async (
  kinesis: KinesisClient,
  stream: string,
  ranges: readonly DiscardMetadata[],
) => {
  const byKey = new Map<string, Set<string>>();
  for (const range of ranges) {
    let iterator = (
      await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: stream,
          ShardId: range.shardId,
          ShardIteratorType: 'AT_SEQUENCE_NUMBER',
          StartingSequenceNumber: range.startSequenceNumber,
        }),
      )
    ).ShardIterator;
    const end = BigInt(range.endSequenceNumber);
    let past = false;
    while (iterator && !past) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      const records = page.Records ?? [];
      for (const r of records) {
        past ||= BigInt(r.SequenceNumber ?? '0') > end;
        if (past) break;
        const { id, partitionkey } = decode(r.Data);
        if (id && partitionkey) byKey.set(partitionkey, (byKey.get(partitionkey) ?? new Set()).add(id));
      }
      // An empty page is not the end of a range: Kinesis (and kinesis-mock) may answer empty pages
      // before the data; only an empty page at the tip, or a closed shard's last page, ends it.
      past ||=
        (records.length === 0 && page.MillisBehindLatest === 0) ||
        records.some((r) => BigInt(r.SequenceNumber ?? '0') >= end);
      iterator = page.NextShardIterator;
    }
  }
  return byKey;
};
