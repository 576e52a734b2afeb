import type { KinesisStreamRecord } from 'aws-lambda';
import { resentSinceOfBytes } from '../envelope';
import type { CopyFinder } from './copy-finder';
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

/**
 * Classifies the batch's records that are not applied yet; everything absent from the answer is
 * applied as usual. A marked record (`spineresent`) is a `duplicate` when an earlier record of the
 * batch, or of the shard since the mark (less `copySkewMs`), carries the same (source, id), and
 * `undecided` when the log could not be read that far by `deadline`; found unique, it goes into
 * `memory.originals`. An unmarked record is `overtaken` when a marked record with its (source, id)
 * was applied first: earlier in the batch, or remembered on its checkpoint item (`memory.of`); in a
 * memory's overflow window it is looked up in the log like a marked record. Classification stops at
 * the first undecided record: the runtime retries from there, so later answers would be wasted reads.
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
  const seen = new Map<string, string>();
  const markedSeen = new Set<string>();
  for (const [i, record] of records.entries()) {
    const data = bytes[i];
    const identity = data && identityOf(data);
    if (identity === undefined) continue;
    const seq = record.kinesis.sequenceNumber;
    const since = marked[i] && data ? resentSinceOfBytes(data) : undefined;
    let verdict: CopyVerdict | undefined;
    if (since !== undefined) {
      const original = seen.get(identity);
      verdict = original
        ? { kind: 'duplicate', original, originalShardId: shardIdOf(record) }
        : await lookBack(record, identity, since, deps, deadline);
      if (!verdict)
        memory?.originals.set(seq, {
          key: memoryKey(identity),
          expiresAt: since + OVERTAKING_WINDOW_MS + (deps.copySkewMs ?? 30_000),
        });
      markedSeen.add(identity);
    } else if (!isApplied(record))
      verdict = await overtaken(record, identity, markedSeen, remembered[i], deps, deadline);
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
    if (!seen.has(identity)) seen.set(identity, seq);
  }
  return verdicts;
};

/** An unmarked record behind its applied marked re-send: in this batch, in the item's memory, or (overflow) in the log. */
const overtaken = async (
  record: KinesisStreamRecord,
  identity: string,
  markedSeen: ReadonlySet<string>,
  remembered: CopyMemory | undefined,
  deps: CopyDeps,
  deadline: number,
): Promise<CopyVerdict | undefined> => {
  const key = memoryKey(identity);
  if (markedSeen.has(identity) || remembered?.ids[key] !== undefined) return { kind: 'overtaken', key };
  const arrivedAt = Math.floor(record.kinesis.approximateArrivalTimestamp * 1000);
  if (remembered?.overflowUntil === undefined || arrivedAt > remembered.overflowUntil) return undefined;
  const found = await lookBack(record, identity, arrivedAt - OVERTAKING_WINDOW_MS, deps, deadline);
  return found?.kind === 'duplicate' ? { kind: 'overtaken', key } : found;
};

const lookBack = async (
  record: KinesisStreamRecord,
  identity: string,
  since: number,
  deps: CopyDeps,
  deadline: number,
): Promise<CopyVerdict | undefined> => {
  if (!deps.copies) return { kind: 'undecided', reason: 'no copy finder configured' };
  const [source = '', id = ''] = identity.split('\u0000');
  const arrivedAt = Math.floor(record.kinesis.approximateArrivalTimestamp * 1000);
  const answer = await deps.copies.findEarlier(
    {
      stream: streamNameOf(record.eventSourceARN),
      shardId: shardIdOf(record),
      source,
      id,
      // Never after the marked record's own arrival, so the read always reaches it.
      from: Math.min(since - (deps.copySkewMs ?? 30_000), arrivedAt - 1),
      before: record.kinesis.sequenceNumber,
    },
    deadline,
  );
  if (answer.kind === 'unique') return undefined;
  if (answer.kind === 'undecided') return answer;
  return { kind: 'duplicate', original: answer.sequenceNumber, originalShardId: answer.shardId };
};
