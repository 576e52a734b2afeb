import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';

/**
 * Kinesis and DynamoDB faked at the wire: a request handler in place of the HTTP client, so the SDK
 * still serializes every request, signs it and parses every response (that CPU is counted), but no
 * byte leaves the process. Answers are the minimal successful responses of each operation.
 */
type Answer = (op: string, body: Record<string, unknown>) => unknown;

export interface WireCounts {
  readonly calls: Record<string, number>;
}

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

export const fakeKinesis = (): { client: KinesisClient; counts: WireCounts } => {
  const counts: WireCounts = { calls: {} };
  let seq = 0n;
  const next = () => ({
    ShardId: 'shardId-000000000000',
    SequenceNumber: (49_650_000_000_000_000_000_000_000_000n + ++seq).toString(),
  });
  const answer: Answer = (op, body) => {
    if (op === 'PutRecords') {
      const records = Array.isArray(body.Records) ? body.Records : [];
      return { FailedRecordCount: 0, Records: records.map(next) };
    }
    if (op === 'PutRecord') return next();
    return {};
  };
  const client = new KinesisClient({
    region: 'us-east-1',
    credentials: CREDENTIALS,
    requestHandler: fakeHandler('application/x-amz-json-1.1', answer, counts),
  });
  return { client, counts };
};

export const fakeDynamo = (): { client: DynamoDBClient; counts: WireCounts } => {
  const counts: WireCounts = { calls: {} };
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
  return { client, counts };
};
