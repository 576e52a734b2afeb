import { createRequire } from 'node:module';
import { KinesisClient, PutRecordsCommand, type PutRecordsCommandInput } from '@aws-sdk/client-kinesis';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createKinesisClient, KINESIS_CLIENT_SETTINGS } from '../../shared/aws';

const require = createRequire(import.meta.url);

/**
 * `KinesisProtocol` writes PutRecords bodies itself (shared/aws/put-records-body.ts). Its bytes must be
 * the SDK's, byte for byte, for every input, and inputs it does not write must still go out as the SDK
 * writes them. Both clients send through a handler that keeps the request and answers nothing.
 */
interface Sent {
  readonly body: Uint8Array;
  readonly headers: Record<string, string>;
}

const capturingClient = (direct: boolean) => {
  const sent: Sent[] = [];
  const client = new KinesisClient({
    ...(direct ? KINESIS_CLIENT_SETTINGS : {}),
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: { body?: unknown; headers: Record<string, string> }) => {
        const { body } = request;
        sent.push({
          body: typeof body === 'string' ? Buffer.from(body) : (body as Uint8Array),
          headers: { ...request.headers },
        });
        throw Object.assign(new Error('captured'), { name: 'Captured' });
      },
    },
  });
  return { client, sent };
};

const send = async (direct: boolean, input: PutRecordsCommandInput): Promise<Sent> => {
  const { client, sent } = capturingClient(direct);
  await expect(client.send(new PutRecordsCommand(input))).rejects.toThrow('captured');
  client.destroy();
  const [only] = sent;
  if (!only) throw new Error('nothing was sent');
  return only;
};

/** The bytes themselves: `Buffer.from(body)` would go through the SDK body's string conversion. */
const bytesOf = (body: Uint8Array) => Buffer.from(body.buffer, body.byteOffset, body.byteLength);
const text = (body: Uint8Array) => bytesOf(body).toString('utf8');

// Printable ASCII without `"` and `\`: the strings the direct writer writes itself.
const plainChars = fc.constantFrom(
  ...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).filter((c) => c !== '"' && c !== '\\'),
);
const plain = (min: number, max: number) =>
  fc.array(plainChars, { minLength: min, maxLength: max }).map((cs) => cs.join(''));
const anyKey = fc.oneof(
  plain(1, 40),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
  fc.string({ minLength: 1 }),
);
// Record bytes as callers pass them: plain arrays, views into a larger buffer (a byteOffset), and
// Buffers from Node's pool (what `Buffer.from(string)` gives the ingress writer).
const data = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.tuple(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 7 })).map(([bytes, pad]) => {
    const backing = new Uint8Array(bytes.length + pad + 3);
    backing.set(bytes, pad);
    return backing.subarray(pad, pad + bytes.length);
  }),
  fc.string({ maxLength: 200 }).map((text) => Buffer.from(text)),
);
const record = (key: fc.Arbitrary<string>) =>
  fc.record(
    {
      Data: data,
      PartitionKey: key,
      ExplicitHashKey: fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }).map(String),
    },
    { requiredKeys: ['Data', 'PartitionKey'] },
  );
// A StreamARN must parse (the SDK's endpoint rules read it before the body is written).
const arn = fc
  .stringMatching(/^[a-zA-Z0-9_.-]{1,40}$/)
  .map((name) => `arn:aws:kinesis:us-east-1:123456789012:stream/${name}`);
const stream = fc.oneof(
  fc.record({ StreamName: plain(1, 30) }),
  fc.record({ StreamARN: arn }),
  fc.record({ StreamName: plain(1, 30), StreamARN: arn }),
  fc.record({ StreamName: plain(1, 30), StreamId: plain(1, 30) }),
  fc.record({ StreamARN: arn, StreamId: plain(1, 30) }),
);

describe('PutRecords bodies written directly', () => {
  it('are the bytes the SDK writes, for plain inputs and for inputs left to the SDK', async () => {
    await fc.assert(
      fc.asyncProperty(
        stream,
        fc.array(record(fc.oneof(plain(1, 40), anyKey)), { minLength: 1, maxLength: 12 }),
        async (target, Records) => {
          // Arrange
          const input: PutRecordsCommandInput = { ...target, Records };

          // Act
          const [sdk, direct] = [await send(false, input), await send(true, input)];

          // Assess
          expect(text(direct.body)).toBe(text(sdk.body));
          expect(Buffer.compare(bytesOf(direct.body), bytesOf(sdk.body))).toBe(0);
          expect(direct.headers['content-length']).toBe(sdk.headers['content-length']);
          expect(direct.headers['x-amz-target']).toBe(sdk.headers['x-amz-target']);
          expect(direct.headers['content-type']).toBe(sdk.headers['content-type']);
        },
      ),
      { numRuns: 150, seed: 20261128 },
    );
  });

  it('writes plain inputs itself and leaves the rest to the SDK', async () => {
    // Arrange
    const data = Buffer.from('{"type":"OrderRequested","data":{"orderId":"o-1"}}');
    const plainInput = { StreamName: 'orders', Records: [{ Data: data, PartitionKey: 'o-1' }] };
    const leftToSdk: PutRecordsCommandInput[] = [
      { StreamName: 'orders', Records: [{ Data: data, PartitionKey: 'ö-1' }] },
      { StreamName: 'orders', Records: [{ Data: data, PartitionKey: 'o"1' }] },
      {
        StreamName: 'orders',
        Records: [{ Data: data, PartitionKey: 'o-1' }],
        DryRun: true,
      } as PutRecordsCommandInput,
    ];

    // Act
    const direct = await send(true, plainInput);
    const others = await Promise.all(leftToSdk.map((input) => send(true, input)));

    // Assess: Node's Buffer is what the direct writer returns; the SDK's body is its own byte array.
    expect(Buffer.isBuffer(direct.body)).toBe(true);
    expect(JSON.parse(text(direct.body))).toEqual({
      Records: [{ Data: data.toString('base64'), PartitionKey: 'o-1' }],
      StreamName: 'orders',
    });
    for (const sent of others) expect(Buffer.isBuffer(sent.body)).toBe(false);
  });

  it('extends the protocol class the Kinesis client itself loads (one copy of @aws-sdk/core)', () => {
    // Arrange: the copy of @aws-sdk/core the Kinesis client resolves, and the one Spine's code does.
    const fromClient = createRequire(require.resolve('@aws-sdk/client-kinesis')).resolve(
      '@aws-sdk/core/protocols',
    );
    const fromSpine = require.resolve('@aws-sdk/core/protocols');

    // Assess: a second copy under the client would make KinesisProtocol extend another class than the
    // client's own, and add a duplicate to every bundle.
    expect(fromClient).toBe(fromSpine);
  });

  it('is what every client createKinesisClient makes uses', async () => {
    // Arrange
    const client = createKinesisClient();

    // Act
    const { protocol } = client.config as unknown as { protocol: { constructor: { name: string } } };
    client.destroy();

    // Assess
    expect(protocol.constructor.name).toBe('KinesisProtocol');
  });
});
