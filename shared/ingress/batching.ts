/** PutRecords limits. Defaults are the long-standing Kinesis quotas, which kinesis-mock also enforces. */
export interface PutLimits {
  /** Records per PutRecords call. @default 500 */
  readonly maxRecords: number;
  /** Data + partition key bytes per call. @default 5 MiB */
  readonly maxRequestBytes: number;
}

export const DEFAULT_PUT_LIMITS: PutLimits = { maxRecords: 500, maxRequestBytes: 5 * 1024 * 1024 };

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
