import type { KinesisStreamRecord } from 'aws-lambda';
import { resentSinceOfBytes } from '../envelope';
import type { CopyFinder } from './copy-finder';
import { shardIdOf, streamNameOf } from './records';

/** What to do with a record instead of applying it: skip it as a copy, or stop and retry from it later. */
export type CopyVerdict =
  | { readonly kind: 'duplicate'; readonly original: string; readonly originalShardId: string }
  | { readonly kind: 'undecided'; readonly reason: string };

export interface CopyDeps {
  /** Looks in the log for earlier copies; without one, marked records the batch cannot settle are undecided. */
  readonly copies?: CopyFinder;
  /** Clock skew allowed between the writer that set the mark and Kinesis. @default 30_000 */
  readonly copySkewMs?: number;
  readonly log?: (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;
}

export const COPY_LOG_MESSAGES = {
  skipped: 'copy skipped; its original is earlier in the shard',
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
 * Classifies the batch's marked records (`spineresent`) that are not applied yet; everything absent
 * from the answer is applied as usual. A marked record is a `duplicate` when an earlier record of the
 * batch, or of the shard since the mark (less `copySkewMs`), carries the same (source, id), and
 * `undecided` when the log could not be read that far by `deadline`. Classification stops at the
 * first undecided record: the runtime retries from there, so later answers would be wasted reads.
 * Unmarked batches cost one base64 decode and a byte search per record, nothing else.
 */
export const classifyCopies = async (
  records: readonly KinesisStreamRecord[],
  isApplied: (record: KinesisStreamRecord) => boolean,
  deps: CopyDeps,
  deadline: number,
): Promise<Map<string, CopyVerdict>> => {
  const verdicts = new Map<string, CopyVerdict>();
  const bytes = records.map((r) => Buffer.from(r.kinesis.data, 'base64'));
  const marked = records.map((r, i) => !isApplied(r) && (bytes[i]?.includes(MARK) ?? false));
  if (!marked.includes(true)) return verdicts;
  const seen = new Map<string, string>();
  for (const [i, record] of records.entries()) {
    const data = bytes[i];
    const identity = data && identityOf(data);
    if (identity === undefined) continue;
    const seq = record.kinesis.sequenceNumber;
    const since = marked[i] && data ? resentSinceOfBytes(data) : undefined;
    if (since !== undefined) {
      const original = seen.get(identity);
      const verdict = original
        ? ({ kind: 'duplicate', original, originalShardId: shardIdOf(record) } as const)
        : await lookBack(record, identity, since, deps, deadline);
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
        deps.log?.('info', COPY_LOG_MESSAGES.skipped, {
          shardId: shardIdOf(record),
          sequenceNumber: seq,
          original: verdict.original,
          originalShardId: verdict.originalShardId,
        });
        verdicts.set(seq, verdict);
      }
    }
    if (!seen.has(identity)) seen.set(identity, seq);
  }
  return verdicts;
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
