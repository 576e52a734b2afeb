import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { withoutSdkLogging } from '../../shared/aws';

/**
 * Kinesis and DynamoDB faked at the wire: a request handler in place of the HTTP client, so the SDK
 * still serializes every request, signs it and parses every response (that CPU is counted), but no
 * byte leaves the process. Answers are the minimal successful responses of each operation.
 */
type Answer = (op: string, body: Record<string, unknown>) => unknown;

export interface WireCounts {
  readonly calls: Record<string, number>;
  /**
   * Kinesis records put and their bytes (data + partition key, what Kinesis bills), counted from the
   * body the fake parses anyway: a metering middleware would parse every request a second time and
   * add that CPU to the figure being measured.
   */
  records: number;
  recordBytes: number;
}

const newCounts = (): WireCounts => ({ calls: {}, records: 0, recordBytes: 0 });

const countRecord = (
  counts: WireCounts,
  data: unknown,
  partitionKey: unknown,
  encoding: 'base64' | 'bytes',
) => {
  counts.records += 1;
  counts.recordBytes +=
    (encoding === 'base64'
      ? Buffer.byteLength(String(data ?? ''), 'base64')
      : data instanceof Uint8Array
        ? data.byteLength
        : 0) + Buffer.byteLength(String(partitionKey ?? ''));
};

const textOf = (body: unknown): string =>
  typeof body === 'string' ? body : body instanceof Uint8Array ? new TextDecoder().decode(body) : '';

const fakeHandler = (contentType: string, answer: Answer, counts: WireCounts) => ({
  metadata: { handlerProtocol: 'http/1.1' },
  async handle(request: { headers: Record<string, string>; body?: unknown }) {
    const op = (request.headers['x-amz-target'] ?? '').split('.')[1] ?? 'Unknown';
    counts.calls[op] = (counts.calls[op] ?? 0) + 1;
    const text = textOf(request.body);
    const parsed: unknown = text ? JSON.parse(text) : {};
    const body = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
    const payload = Buffer.from(JSON.stringify(answer(op, body) ?? {}));
    return {
      response: {
        statusCode: 200,
        reason: 'OK',
        headers: { 'content-type': contentType, 'content-length': String(payload.length) },
        body: payload,
      },
    };
  },
  updateHttpClientConfig() {},
  httpHandlerConfigs: () => ({}),
  destroy() {},
});

const CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' };

const sequencer = () => {
  let seq = 0n;
  return () => ({
    ShardId: 'shardId-000000000000',
    SequenceNumber: (49_650_000_000_000_000_000_000_000_000n + ++seq).toString(),
  });
};

const field = (value: unknown, name: string): unknown =>
  typeof value === 'object' && value !== null ? Reflect.get(value, name) : undefined;

/**
 * How the client is set up besides its handler: `spine` as `createKinesisClient`/`createDynamoClient`
 * set theirs up (`withoutSdkLogging`), `sdk-default` as a hand-built handler's client is.
 */
export type ClientSetup = 'spine' | 'sdk-default';

const setUp = <C extends KinesisClient | DynamoDBClient>(client: C, setup: ClientSetup): C =>
  setup === 'spine' ? withoutSdkLogging(client) : client;

export const fakeKinesis = (
  setup: ClientSetup = 'sdk-default',
): { client: KinesisClient; counts: WireCounts } => {
  const counts = newCounts();
  const next = sequencer();
  const answer: Answer = (op, body) => {
    if (op === 'PutRecords') {
      const records = Array.isArray(body.Records) ? body.Records : [];
      for (const r of records) countRecord(counts, field(r, 'Data'), field(r, 'PartitionKey'), 'base64');
      return { FailedRecordCount: 0, Records: records.map(next) };
    }
    if (op === 'PutRecord') {
      countRecord(counts, body.Data, body.PartitionKey, 'base64');
      return next();
    }
    return {};
  };
  const client = new KinesisClient({
    region: 'us-east-1',
    credentials: CREDENTIALS,
    requestHandler: fakeHandler('application/x-amz-json-1.1', answer, counts),
  });
  return { client: setUp(client, setup), counts };
};

/**
 * A Kinesis client whose `send` answers PutRecords itself, above the SDK: no middleware, serialization,
 * signing or parsing. What a handler spends with it is its own work, without the per-call SDK cost.
 */
export const stubbedKinesis = (): { client: KinesisClient; counts: WireCounts } => {
  const counts = newCounts();
  const next = sequencer();
  const client = new KinesisClient({ region: 'us-east-1', credentials: CREDENTIALS });
  const send = async (command: unknown) => {
    if (!(command instanceof PutRecordsCommand)) throw new Error('the stub answers PutRecords only');
    counts.calls.PutRecords = (counts.calls.PutRecords ?? 0) + 1;
    const records = command.input.Records ?? [];
    for (const r of records) countRecord(counts, r.Data, r.PartitionKey, 'bytes');
    return { $metadata: {}, FailedRecordCount: 0, Records: records.map(next) };
  };
  Object.defineProperty(client, 'send', { value: send });
  return { client, counts };
};

export const fakeDynamo = (
  setup: ClientSetup = 'sdk-default',
): { client: DynamoDBClient; counts: WireCounts } => {
  const counts = newCounts();
  const client = new DynamoDBClient({
    region: 'us-east-1',
    credentials: CREDENTIALS,
    // BatchExecuteStatement answers one response per statement (a claim batch); everything else `{}`.
    requestHandler: fakeHandler(
      'application/x-amz-json-1.0',
      (op, body) =>
        op === 'BatchExecuteStatement' && Array.isArray(body.Statements)
          ? { Responses: body.Statements.map(() => ({ TableName: 'idempotency' })) }
          : {},
      counts,
    ),
  });
  return { client: setUp(client, setup), counts };
};
