import {
  GetRecordsCommand,
  KinesisClient,
  PutRecordsCommand,
  ResourceNotFoundException,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-kinesis';
import type { DeserializeMiddleware } from '@smithy/types';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createKinesisClient, kinesisProtocol } from '../../shared/aws';

interface Sent {
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * Answers every call of `client` with `answer` in place of the network, after serialization and
 * signing, and keeps what the client would have sent.
 */
const answerWith = (client: KinesisClient, status: number, answer: unknown): Sent[] => {
  const sent: Sent[] = [];
  const fake: DeserializeMiddleware<ServiceInputTypes, ServiceOutputTypes> = () => async (args) => {
    const headers = Reflect.get(Object(args.request), 'headers');
    const body: unknown = Reflect.get(Object(args.request), 'body');
    sent.push({
      headers: typeof headers === 'object' && headers !== null ? { ...headers } : {},
      body: typeof body === 'string' ? body : body instanceof Uint8Array ? Buffer.from(body).toString() : '',
    });
    const payload = Buffer.from(JSON.stringify(answer));
    return {
      response: {
        statusCode: status,
        headers: { 'content-type': 'application/x-amz-json-1.1', 'content-length': String(payload.length) },
        body: payload,
      },
    };
  };
  // Below the deserializer (the deserialize step, low priority): it parses the answer as one from the wire.
  client.middlewareStack.add(fake, { step: 'deserialize', priority: 'low', name: 'testAnswer' });
  return sent;
};

/** The SDK's own setup: what Spine's client must stay equal to on the wire. */
const sdkDefault = () =>
  new KinesisClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 's' } });

// Every byte value, an empty record, and text with characters JSON escapes.
const RECORDS = [
  { Data: Uint8Array.from({ length: 256 }, (_, i) => i), PartitionKey: 'k-1' },
  {
    Data: new Uint8Array(0),
    PartitionKey: 'ключ "2"',
    ExplicitHashKey: '170141183460469231731687303715884105728',
  },
  { Data: new TextEncoder().encode('{"a":"\\u0000 \u2028 ✓ 😀"}'), PartitionKey: 'k\\3' },
];

describe('kinesisProtocol (the ingress Kinesis client)', () => {
  beforeEach(() => {
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'a');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 's');
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('sends the same PutRecords request as the SDK default codec', async () => {
    // Prepare
    const spine = createKinesisClient({ maxAttempts: 1, protocol: kinesisProtocol() });
    const sdk = sdkDefault();
    const answer = {
      FailedRecordCount: 0,
      Records: RECORDS.map(() => ({ SequenceNumber: '1', ShardId: 's' })),
    };
    const ours = answerWith(spine, 200, answer);
    const theirs = answerWith(sdk, 200, answer);
    const input = { StreamName: 'orders', Records: RECORDS };

    // Act
    await spine.send(new PutRecordsCommand(input));
    await sdk.send(new PutRecordsCommand(input));

    // Assess: the same body text, byte for byte, and the same protocol headers.
    expect(ours[0]?.body).toBe(theirs[0]?.body);
    expect(ours[0]?.body).toContain(Buffer.from(RECORDS[0]?.Data ?? []).toString('base64'));
    expect(ours[0]?.headers['x-amz-target']).toBe('Kinesis_20131202.PutRecords');
    expect(ours[0]?.headers['content-type']).toBe(theirs[0]?.headers['content-type']);
    spine.destroy();
    sdk.destroy();
  });

  it('reads answers (record data, timestamps, per-record errors) as the SDK default codec', async () => {
    // Prepare
    const spine = createKinesisClient({ protocol: kinesisProtocol() });
    const sdk = sdkDefault();
    const answers = [
      {
        Records: [
          {
            SequenceNumber: '49650',
            ApproximateArrivalTimestamp: 1764300000.123,
            Data: Buffer.from(Uint8Array.from({ length: 256 }, (_, i) => 255 - i)).toString('base64'),
            PartitionKey: 'k-1',
          },
        ],
        NextShardIterator: 'next',
        MillisBehindLatest: 0,
      },
      {
        FailedRecordCount: 1,
        Records: [
          { SequenceNumber: '1', ShardId: 'shardId-000000000000' },
          { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'slow down' },
        ],
      },
    ];
    const read = async (client: KinesisClient) => {
      answerWith(client, 200, answers[0]);
      const records = await client.send(new GetRecordsCommand({ ShardIterator: 'it' }));
      client.middlewareStack.remove('testAnswer');
      answerWith(client, 200, answers[1]);
      const put = await client.send(new PutRecordsCommand({ StreamName: 's', Records: RECORDS }));
      return { records: records.Records, next: records.NextShardIterator, put: put.Records };
    };

    // Act
    const ours = await read(spine);
    const theirs = await read(sdk);

    // Assess
    expect(ours).toEqual(theirs);
    expect(ours.records?.[0]?.Data).toEqual(Uint8Array.from({ length: 256 }, (_, i) => 255 - i));
    expect(ours.records?.[0]?.ApproximateArrivalTimestamp).toEqual(new Date(1764300000123));
    expect(ours.put?.[1]?.ErrorCode).toBe('ProvisionedThroughputExceededException');
    spine.destroy();
    sdk.destroy();
  });

  it('throws the SDK error classes for error answers', async () => {
    // Prepare
    const spine = createKinesisClient({ maxAttempts: 1, protocol: kinesisProtocol() });
    answerWith(spine, 400, { __type: 'ResourceNotFoundException', message: 'Stream orders not found' });

    // Act
    const error = await spine
      .send(new PutRecordsCommand({ StreamName: 'orders', Records: RECORDS }))
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect(error).toMatchObject({ name: 'ResourceNotFoundException', message: 'Stream orders not found' });
    spine.destroy();
  });
});
