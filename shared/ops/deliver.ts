import type { KinesisStreamBatchResponse, KinesisStreamRecord } from 'aws-lambda';
import { OpsError } from './errors';
import { type LogRecord, type RecordShape, toKinesisRecord } from './records';

/** Hands one batch (one shard, in order) to a service's consumer for a topic, as Lambda would. */
export interface Delivery {
  deliver(
    service: string,
    topic: string,
    records: KinesisStreamRecord[],
    session?: { readonly emits?: 'publish' | 'suppress' },
  ): Promise<KinesisStreamBatchResponse | undefined>;
}

export interface SendOptions {
  readonly service: string;
  readonly topic: string;
  readonly shape: RecordShape;
  /** The catalog's attempts per event; the runtime parks an event after them, so retries end. */
  readonly maxAttempts: number;
  readonly onDelivered?: (count: number) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

const wait = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Lambda's limit on the request payload of a synchronous Invoke: 6 MB (6,291,456 bytes). A batch of
 * `batchSize` records can be far above it (1 MiB events are ~1.4 MB once base64'd into a record).
 */
export const INVOKE_REQUEST_LIMIT_BYTES = 6_291_456;

/**
 * Splits `records`, in order, into runs whose JSON payload stays within `maxBytes`, where `overheadBytes`
 * is the payload with no record at all (`{"Records":[]...}`). One record alone above the limit cannot be
 * delivered by Invoke; that is an `INVALID_ARGUMENT` naming it, not a request Lambda would refuse.
 */
export const splitByBytes = (
  records: readonly KinesisStreamRecord[],
  overheadBytes: number,
  maxBytes: number = INVOKE_REQUEST_LIMIT_BYTES,
): KinesisStreamRecord[][] => {
  const runs: KinesisStreamRecord[][] = [];
  let run: KinesisStreamRecord[] = [];
  let size = overheadBytes;
  for (const record of records) {
    // Each record costs its JSON plus the comma that separates it from the next.
    const bytes = Buffer.byteLength(JSON.stringify(record)) + 1;
    if (overheadBytes + bytes > maxBytes)
      throw new OpsError(
        'INVALID_ARGUMENT',
        `record ${record.kinesis.sequenceNumber} alone makes a ${overheadBytes + bytes}-byte invoke payload, above Lambda's ${maxBytes}`,
      );
    if (run.length > 0 && size + bytes > maxBytes) {
      runs.push(run);
      run = [];
      size = overheadBytes;
    }
    run.push(record);
    size += bytes;
  }
  if (run.length > 0) runs.push(run);
  return runs;
};

/**
 * Delivers runs of one batch one after another, as one delivery: it stops at the first run with a failed
 * record and answers that run's failures (sequence numbers are the batch's own). A run after the first
 * that throws is answered as a failure of its first record, so the runs before it count as delivered
 * and the caller's retry starts at that run, where it then throws as a first run.
 */
export const deliverRuns = async (
  runs: readonly KinesisStreamRecord[][],
  invoke: (records: KinesisStreamRecord[]) => Promise<KinesisStreamBatchResponse | undefined>,
): Promise<KinesisStreamBatchResponse> => {
  for (const [i, run] of runs.entries()) {
    let response: KinesisStreamBatchResponse | undefined;
    try {
      response = await invoke(run);
    } catch (error) {
      const head = run[0];
      if (i === 0 || !head) throw error;
      return { batchItemFailures: [{ itemIdentifier: head.kinesis.sequenceNumber }] };
    }
    if (response && response.batchItemFailures.length > 0) return response;
  }
  return { batchItemFailures: [] };
};

/**
 * Delivers one batch and retries the failed tail the way the event source mapping does: the runtime
 * reports the first failed event, records the attempt in the session's checkpoint and parks the event
 * after `maxAttempts`, so this loop ends. A consumer that keeps failing the same event past that (or
 * keeps throwing) stops the replay with `DELIVERY_FAILED` instead of spinning.
 */
export const sendBatch = async (
  delivery: Delivery,
  batch: readonly LogRecord[],
  options: SendOptions,
): Promise<void> => {
  let rest = [...batch];
  let failingSeq: string | undefined;
  let rounds = 0;
  let throws = 0;
  const sleep = options.sleep ?? wait;
  while (rest.length > 0) {
    let failedAt: number;
    try {
      const response = await delivery.deliver(
        options.service,
        options.topic,
        rest.map((r) => toKinesisRecord(r, options.shape)),
        options.shape.emits ? { emits: options.shape.emits } : undefined,
      );
      const ids = (response?.batchItemFailures ?? []).map((f) => f.itemIdentifier);
      failedAt =
        ids.length === 0
          ? rest.length
          : Math.min(...ids.map((id) => rest.findIndex((r) => r.sequenceNumber === id)));
      if (failedAt < 0)
        throw new OpsError(
          'DELIVERY_FAILED',
          `the consumer reported an unknown itemIdentifier (${ids.join(', ')})`,
        );
    } catch (error) {
      if (error instanceof OpsError) throw error;
      failedAt = 0;
      throws += 1;
      if (throws > 3)
        throw new OpsError(
          'DELIVERY_FAILED',
          `the consumer of ${options.service}<-${options.topic} keeps throwing: ${String(error)}`,
          {
            cause: error,
          },
        );
    }
    options.onDelivered?.(failedAt);
    rest = rest.slice(failedAt);
    const head = rest[0];
    if (!head) return;
    rounds = head.sequenceNumber === failingSeq ? rounds + 1 : 1;
    failingSeq = head.sequenceNumber;
    if (rounds > options.maxAttempts + 2)
      throw new OpsError(
        'DELIVERY_FAILED',
        `event ${head.sequenceNumber} on ${head.shardId} still fails after ${rounds} deliveries; the consumer did not park it`,
      );
    await sleep(Math.min(1_000, 50 * 2 ** (rounds - 1)));
  }
};
