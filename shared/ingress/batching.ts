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
 * Splits records into PutRecords calls, at most one record per partition key in a call, each record
 * in a later call than the key's previous record, and within the limits. The writer makes the calls one
 * after another and sends a call only when the one before it has been answered, so a key's events reach
 * the log in request order whatever happens to a call.
 *
 * Why one per key: Kinesis processes a call's records independently ("a single record failure does not
 * stop the processing of subsequent records", PutRecords API reference), so in one call it can store a
 * key's second record and reject its first. The retry then lands the first after the second, and if the
 * answer was lost as well, both copies carry the re-send mark and the consumer applies the second event
 * before the first. Separate calls rule that out. Cost: a request with n events of one key takes n calls
 * in sequence; requests whose events have distinct keys take as few calls as before (first fit, in order).
 */
export const planBatches = (
  records: readonly OutgoingRecord[],
  limits: PutLimits = DEFAULT_PUT_LIMITS,
): OutgoingRecord[][] => {
  const batches: { records: OutgoingRecord[]; bytes: number }[] = [];
  const lastBatchOfKey = new Map<string, number>();
  // Batches before `full` have no room for any record (count reached): skip them when searching.
  let full = 0;
  for (const record of records) {
    const size = recordSize(record);
    let at = Math.max(full, (lastBatchOfKey.get(record.partitionKey) ?? -1) + 1);
    for (; at < batches.length; at += 1) {
      const batch = batches[at];
      if (batch && batch.records.length < limits.maxRecords && batch.bytes + size <= limits.maxRequestBytes)
        break;
    }
    const batch = batches[at] ?? { records: [], bytes: 0 };
    if (at === batches.length) batches.push(batch);
    batch.records.push(record);
    batch.bytes += size;
    lastBatchOfKey.set(record.partitionKey, at);
    while (batches[full] && (batches[full]?.records.length ?? 0) >= limits.maxRecords) full += 1;
  }
  return batches.map((b) => b.records);
};
