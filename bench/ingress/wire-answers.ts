/**
 * What run 2a's Kinesis and DynamoDB answer, shared by the in-process fake (wire.ts) and the TLS wire
 * server (wire-server.ts): the minimal successful response of each operation, and the calls, records
 * and record bytes seen, counted from the body the answer parses anyway (a metering middleware would
 * parse every request a second time and add that CPU to the figure being measured).
 */
export interface WireCounts {
  readonly calls: Record<string, number>;
  /** Kinesis records put and their bytes (data + partition key, what Kinesis bills). */
  records: number;
  recordBytes: number;
}

export const newCounts = (): WireCounts => ({ calls: {}, records: 0, recordBytes: 0 });

export const clearCounts = (c: WireCounts): void => {
  for (const k of Object.keys(c.calls)) delete c.calls[k];
  c.records = 0;
  c.recordBytes = 0;
};

/** Counts one record whose data is base64 text (a request body) or bytes (a stubbed call). */
export const countRecord = (
  counts: WireCounts,
  data: unknown,
  partitionKey: unknown,
  encoding: 'base64' | 'bytes',
): void => {
  counts.records += 1;
  counts.recordBytes +=
    (encoding === 'base64'
      ? Buffer.byteLength(String(data ?? ''), 'base64')
      : data instanceof Uint8Array
        ? data.byteLength
        : 0) + Buffer.byteLength(String(partitionKey ?? ''));
};

/** Shard and sequence number of each record written, as Kinesis answers them. */
export const sequencer = (): (() => { ShardId: string; SequenceNumber: string }) => {
  let seq = 0n;
  return () => ({
    ShardId: 'shardId-000000000000',
    SequenceNumber: (49_650_000_000_000_000_000_000_000_000n + ++seq).toString(),
  });
};

const field = (value: unknown, name: string): unknown =>
  typeof value === 'object' && value !== null ? Reflect.get(value, name) : undefined;

/** The answer to one operation's parsed request body. */
export type Answer = (op: string, body: Record<string, unknown>) => unknown;

export const KINESIS_CONTENT_TYPE = 'application/x-amz-json-1.1';
export const DYNAMODB_CONTENT_TYPE = 'application/x-amz-json-1.0';

/** Kinesis: PutRecords and PutRecord succeed, record by record; anything else answers `{}`. */
export const kinesisAnswer = (counts: WireCounts, next = sequencer()): Answer => {
  return (op, body) => {
    counts.calls[op] = (counts.calls[op] ?? 0) + 1;
    if (op === 'PutRecords') {
      const records = Array.isArray(body.Records) ? body.Records : [];
      for (const r of records) countRecord(counts, field(r, 'Data'), field(r, 'PartitionKey'), 'base64');
      return { FailedRecordCount: 0, Records: records.map(() => next()) };
    }
    if (op === 'PutRecord') {
      countRecord(counts, body.Data, body.PartitionKey, 'base64');
      return next();
    }
    return {};
  };
};

/** DynamoDB: BatchExecuteStatement answers one response per statement (a claim batch); the rest `{}`. */
export const dynamoAnswer =
  (counts: WireCounts): Answer =>
  (op, body) => {
    counts.calls[op] = (counts.calls[op] ?? 0) + 1;
    return op === 'BatchExecuteStatement' && Array.isArray(body.Statements)
      ? { Responses: body.Statements.map(() => ({ TableName: 'idempotency' })) }
      : {};
  };
