import type { KinesisStreamRecord } from 'aws-lambda';
import { resentSinceOfBytes } from '../envelope';
import type { CopyAnswer, CopyFinder, CopyQuery } from './copy-finder';
import { type CopyMemory, isEmptyMemory, memoryKey, OVERTAKING_WINDOW_MS } from './copy-memory';
import { shardIdOf, streamNameOf } from './records';

/** What to do with a record instead of applying it: skip it as a copy, or stop and retry from it later. */
export type CopyVerdict =
  | { readonly kind: 'duplicate'; readonly original: string; readonly originalShardId: string }
  /** An unmarked original that landed after its marked re-send, which was applied (or parked) first. */
  | { readonly kind: 'overtaken'; readonly key: string }
  | { readonly kind: 'undecided'; readonly reason: string };

/** A marked record found unique: once applied, its id is remembered on its checkpoint item until `expiresAt`. */
export interface MarkedOriginal {
  readonly key: string;
  readonly expiresAt: number;
}

/** The copy memories of the batch's checkpoint items (read), and the marked records to remember (filled). */
export interface CopyMemoryAccess {
  readonly of: (record: KinesisStreamRecord) => CopyMemory | undefined;
  readonly originals: Map<string, MarkedOriginal>;
}

export interface CopyDeps {
  /** Looks in the log for earlier copies; without one, marked records the batch cannot settle are undecided. */
  readonly copies?: CopyFinder;
  /** Clock skew allowed between the writer that set the mark and Kinesis. @default 30_000 */
  readonly copySkewMs?: number;
  readonly log?: (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;
}

export const COPY_LOG_MESSAGES = {
  skipped: 'copy skipped; its original is earlier in the shard',
  overtaken: 'unmarked original skipped; its marked re-send landed and was applied first',
  undecided: 'copy check undecided; retrying from this record',
} as const;

const MARK = Buffer.from('"spineresent"');

const identityOf = (bytes: Buffer): string | undefined => {
  try {
    const parsed: unknown = JSON.parse(bytes.toString('utf8'));
    if (parsed === null || typeof parsed !== 'object') return undefined;
    const { source, id } = parsed as { source?: unknown; id?: unknown };
    return typeof source === 'string' && typeof id === 'string' ? `${source}\u0000${id}` : undefined;
  } catch {
    return undefined;
  }
};

/** What the plan pass decided for one record, before any log read. */
type Step =
  | { readonly kind: 'verdict'; readonly verdict: CopyVerdict }
  /** Marked: a duplicate if the log holds an earlier copy, else an original to remember. */
  | { readonly kind: 'marked'; readonly query: number; readonly key: string; readonly expiresAt: number }
  /** Unmarked, in a memory's overflow window: overtaken if the log holds its marked re-send. */
  | { readonly kind: 'overflow'; readonly query: number; readonly key: string };

/**
 * Classifies the batch's records that are not applied yet; everything absent from the answer is
 * applied as usual. A marked record (`spineresent`) is a `duplicate` when an earlier record of the
 * batch, or of the shard since the mark (less `copySkewMs`), carries the same (source, id), and
 * `undecided` when the log could not be read that far by `deadline`; found unique, it goes into
 * `memory.originals`. An unmarked record is `overtaken` when a marked record with its (source, id)
 * was applied first: earlier in the batch, or remembered on its checkpoint item (`memory.of`); in a
 * memory's overflow window it is looked up in the log like a marked record. Every record the batch
 * cannot settle itself is looked up in one `findEarlierAll` (one read of the shard for the batch).
 * Classification stops at the first undecided record: the runtime retries from there.
 * Batches with no marked record and no memory cost one base64 decode and a byte search per record.
 */
export const classifyCopies = async (
  records: readonly KinesisStreamRecord[],
  isApplied: (record: KinesisStreamRecord) => boolean,
  deps: CopyDeps,
  deadline: number,
  memory?: CopyMemoryAccess,
): Promise<Map<string, CopyVerdict>> => {
  const verdicts = new Map<string, CopyVerdict>();
  const bytes = records.map((r) => Buffer.from(r.kinesis.data, 'base64'));
  const marked = records.map((r, i) => !isApplied(r) && (bytes[i]?.includes(MARK) ?? false));
  const remembered = records.map((r) => (!isApplied(r) && memory ? memory.of(r) : undefined));
  if (!marked.includes(true) && remembered.every(isEmptyMemory)) return verdicts;
  const skewMs = deps.copySkewMs ?? 30_000;
  const seen = new Map<string, string>();
  const markedSeen = new Set<string>();
  const queries: CopyQuery[] = [];
  const steps = new Map<number, Step>();
  const ask = (record: KinesisStreamRecord, identity: string, since: number): number => {
    const [source = '', id = ''] = identity.split('\u0000');
    const arrivedAt = Math.floor(record.kinesis.approximateArrivalTimestamp * 1000);
    // Never after the marked record's own arrival, so the read always reaches it.
    const from = Math.min(since - skewMs, arrivedAt - 1);
    const stream = streamNameOf(record.eventSourceARN);
    queries.push({
      stream,
      shardId: shardIdOf(record),
      source,
      id,
      from,
      before: record.kinesis.sequenceNumber,
    });
    return queries.length - 1;
  };
  for (const [i, record] of records.entries()) {
    const data = bytes[i];
    const identity = data && identityOf(data);
    if (identity === undefined) continue;
    const since = marked[i] && data ? resentSinceOfBytes(data) : undefined;
    if (since !== undefined) {
      const original = seen.get(identity);
      steps.set(
        i,
        original
          ? { kind: 'verdict', verdict: { kind: 'duplicate', original, originalShardId: shardIdOf(record) } }
          : {
              kind: 'marked',
              query: ask(record, identity, since),
              key: memoryKey(identity),
              expiresAt: since + OVERTAKING_WINDOW_MS + skewMs,
            },
      );
      markedSeen.add(identity);
    } else if (!isApplied(record)) {
      const step = overtaken(record, identity, markedSeen, remembered[i], ask);
      if (step) steps.set(i, step);
    }
    if (!seen.has(identity)) seen.set(identity, record.kinesis.sequenceNumber);
  }
  const answers = await lookBack(queries, deps, deadline);
  for (const [i, step] of [...steps].sort(([a], [b]) => a - b)) {
    const record = records[i];
    if (!record) continue;
    const seq = record.kinesis.sequenceNumber;
    const verdict = verdictOf(step, answers);
    if (!verdict && step.kind === 'marked')
      memory?.originals.set(seq, { key: step.key, expiresAt: step.expiresAt });
    if (verdict?.kind === 'undecided') {
      deps.log?.('warn', COPY_LOG_MESSAGES.undecided, {
        shardId: shardIdOf(record),
        sequenceNumber: seq,
        reason: verdict.reason,
      });
      verdicts.set(seq, verdict);
      return verdicts;
    }
    if (verdict) {
      deps.log?.(
        'info',
        verdict.kind === 'overtaken' ? COPY_LOG_MESSAGES.overtaken : COPY_LOG_MESSAGES.skipped,
        { shardId: shardIdOf(record), sequenceNumber: seq, ...verdict },
      );
      verdicts.set(seq, verdict);
    }
  }
  return verdicts;
};

/** An unmarked record behind its applied marked re-send: in this batch, in the item's memory, or (overflow) in the log. */
const overtaken = (
  record: KinesisStreamRecord,
  identity: string,
  markedSeen: ReadonlySet<string>,
  remembered: CopyMemory | undefined,
  ask: (record: KinesisStreamRecord, identity: string, since: number) => number,
): Step | undefined => {
  const key = memoryKey(identity);
  if (markedSeen.has(identity) || remembered?.ids[key] !== undefined)
    return { kind: 'verdict', verdict: { kind: 'overtaken', key } };
  const arrivedAt = Math.floor(record.kinesis.approximateArrivalTimestamp * 1000);
  if (remembered?.overflowUntil === undefined || arrivedAt > remembered.overflowUntil) return undefined;
  return { kind: 'overflow', query: ask(record, identity, arrivedAt - OVERTAKING_WINDOW_MS), key };
};

const verdictOf = (step: Step, answers: readonly CopyAnswer[]): CopyVerdict | undefined => {
  if (step.kind === 'verdict') return step.verdict;
  const answer = answers[step.query] ?? { kind: 'undecided', reason: 'no answer' };
  if (answer.kind === 'unique') return undefined;
  if (answer.kind === 'undecided') return answer;
  if (step.kind === 'overflow') return { kind: 'overtaken', key: step.key };
  return { kind: 'duplicate', original: answer.sequenceNumber, originalShardId: answer.shardId };
};

/** One look-back for every record the batch could not settle itself. */
const lookBack = async (
  queries: readonly CopyQuery[],
  deps: CopyDeps,
  deadline: number,
): Promise<readonly CopyAnswer[]> => {
  if (queries.length === 0) return [];
  if (!deps.copies) {
    const blind: CopyAnswer = { kind: 'undecided', reason: 'no copy finder configured' };
    return queries.map(() => blind);
  }
  return deps.copies.findEarlierAll(queries, deadline);
};
