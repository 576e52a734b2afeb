import { RESENT_MARK_MAX_BYTES } from '../envelope';

/**
 * PutRecords limits, as the Kinesis API reference states them today (PutRecords, 2025 revision): "Each
 * PutRecords request can support up to 500 records. Each record in the request can be as large as 10 MiB,
 * up to a limit of 10 MiB for the entire request, including partition keys." The record limit is a
 * per-stream setting (`MaxRecordSizeInKiB`, 1024..10240 KiB, set by CreateStream/UpdateMaxRecordSize) whose
 * default for new and existing streams stays 1 MiB ("Handle large records", Kinesis developer guide), so
 * Spine checks events against 1 MiB unless a stream was raised. Shard throughput (1 MB/s, 1,000 records/s
 * per shard) is unchanged: a 10 MiB call to a provisioned shard is throttled and retried by the writer.
 *
 * kinesis-mock 0.6.2 enforces the per-record limit of the stream (1 MiB default, counting data bytes only)
 * with a per-record `InvalidArgumentException`, and no request byte limit at all; it never sees a record
 * over the limit from the ingress, which refuses those with 413 before writing.
 */
export interface PutLimits {
  /** Records per PutRecords call. @default 500 */
  readonly maxRecords: number;
  /** Data + partition key bytes per call. @default 10 MiB */
  readonly maxRequestBytes: number;
}

export const DEFAULT_PUT_LIMITS: PutLimits = { maxRecords: 500, maxRequestBytes: 10 * 1024 * 1024 };

/** A stream's default maximum record size (data plus partition key bytes): 1 MiB unless raised per stream. */
export const STREAM_MAX_RECORD_BYTES = 1024 * 1024;

/**
 * The largest event record (data plus partition key bytes) the ingress accepts: the stream's limit less
 * the room a re-send mark takes (`RESENT_MARK_MAX_BYTES`), so a record the writer must re-send marked
 * after an unanswered call still fits. Producers lose 48 bytes of the 1 MiB.
 */
export const MAX_RECORD_BYTES = STREAM_MAX_RECORD_BYTES - RESENT_MARK_MAX_BYTES;

export interface OutgoingRecord {
  /** Position of the event in the ingress request. */
  readonly index: number;
  readonly partitionKey: string;
  readonly data: Uint8Array;
}

export const recordSize = (record: OutgoingRecord): number =>
  record.data.byteLength + Buffer.byteLength(record.partitionKey);

/**
 * Splits records into the fewest PutRecords calls the limits allow, keeping request order (records are
 * already checked against the per-record limit, so greedy filling in order is optimal for a sequence).
 * Calls are then made one after another, so a later call never overtakes an earlier one for a key.
 */
export const planBatches = (
  records: readonly OutgoingRecord[],
  limits: PutLimits = DEFAULT_PUT_LIMITS,
): OutgoingRecord[][] => {
  const batches: OutgoingRecord[][] = [];
  let current: OutgoingRecord[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = recordSize(record);
    if (
      current.length > 0 &&
      (current.length >= limits.maxRecords || bytes + size > limits.maxRequestBytes)
    ) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(record);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
};
