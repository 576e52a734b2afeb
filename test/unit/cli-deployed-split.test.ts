import { CloudFormationClient, DescribeStacksCommand, type Output } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { KinesisStreamRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { deployedContext } from '../../cli/deployed';
import { opsOutputNames } from '../../infra/constructs/ops-output-names';
import { outputNames } from '../../infra/output-names';
import { INVOKE_REQUEST_LIMIT_BYTES, type LogRecord, sendBatch } from '../../shared/ops';
import { opsCatalog } from '../fixtures/ops/catalog';

const REGION = 'eu-west-1';
const STREAM_ARN = `arn:aws:kinesis:${REGION}:123456789012:stream/prod-ledger`;
const CONSUMER = 'prod-accounts-ledger';
const outputs: Output[] = [
  { OutputKey: outputNames.runtimeTable('checkpoints'), OutputValue: 'prod-checkpoints' },
  { OutputKey: outputNames.runtimeTable('parking'), OutputValue: 'prod-parking' },
  { OutputKey: opsOutputNames.consumer('accounts', 'ledger'), OutputValue: CONSUMER },
  {
    OutputKey: outputNames.ingressUrl,
    OutputValue: `https://a1b2c3d4e5.execute-api.${REGION}.amazonaws.com/`,
  },
];

const cfn = mockClient(CloudFormationClient);
const lambda = mockClient(LambdaClient);

/** A Lambda Invoke response payload as the SDK types it. */
const payload = (text: string) =>
  Object.assign(new Uint8Array(Buffer.from(text)), { transformToString: () => text });

/** A record whose data is `bytes` of event, base64'd as Kinesis hands it over (1 MiB -> ~1.4 MB). */
const record = (n: number, bytes: number): LogRecord => ({
  shardId: 'shardId-000000000000',
  sequenceNumber: String(49_600_000_000_000_000_000n + BigInt(n)),
  partitionKey: `k-${n % 3}`,
  arrivedAt: 1_700_000_000_000 + n,
  data: Buffer.alloc(bytes, n % 256).toString('base64'),
});

/** A consumer that records each invocation's size and records, failing on demand. */
const consumer = (fail: (records: KinesisStreamRecord[], call: number) => 'throw' | string | undefined) => {
  const calls: { bytes: number; seqs: string[] }[] = [];
  lambda.on(InvokeCommand).callsFake(async (input: { FunctionName?: string; Payload?: Uint8Array }) => {
    const body = Buffer.from(input.Payload ?? []);
    const records: KinesisStreamRecord[] = JSON.parse(body.toString('utf8')).Records;
    calls.push({ bytes: body.byteLength, seqs: records.map((r) => r.kinesis.sequenceNumber) });
    // Lambda refuses a synchronous request above its limit before the function runs.
    if (input.FunctionName !== CONSUMER || body.byteLength > INVOKE_REQUEST_LIMIT_BYTES)
      throw Object.assign(new Error('Request must be smaller than 6291456 bytes'), {
        name: 'RequestTooLargeException',
      });
    const outcome = fail(records, calls.length);
    if (outcome === 'throw')
      return { StatusCode: 200, FunctionError: 'Unhandled', Payload: payload('{"errorType":"Boom"}') };
    const failures = outcome ? [{ itemIdentifier: outcome }] : [];
    return { StatusCode: 200, Payload: payload(JSON.stringify({ batchItemFailures: failures })) };
  });
  return calls;
};

const send = async (batch: LogRecord[], invokeLimitBytes?: number) => {
  const ctx = await deployedContext(opsCatalog, 'spine-prod', {
    region: REGION,
    ...(invokeLimitBytes && { invokeLimitBytes }),
  });
  let delivered = 0;
  await sendBatch(ctx.delivery, batch, {
    service: 'accounts',
    topic: 'ledger',
    shape: { streamArn: STREAM_ARN, region: REGION },
    maxAttempts: 3,
    sleep: async () => undefined,
    onDelivered: (n) => {
      delivered += n;
    },
  });
  ctx.close();
  return delivered;
};

beforeEach(() => {
  for (const m of [cfn, lambda]) m.reset();
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY');
  vi.stubEnv('AWS_PROFILE', undefined);
  cfn.on(DescribeStacksCommand).resolves({
    Stacks: [
      { StackName: 'spine-prod', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date(), Outputs: outputs },
    ],
  });
});
afterEach(() => {
  vi.unstubAllEnvs();
});

describe('deployedContext delivery split by bytes', () => {
  it('delivers a batch of ten 1 MiB events in invokes under 6 MB, each record once and in order', async () => {
    // Prepare: 10 events of 1 MiB, ~14 MB as one payload
    const calls = consumer(() => undefined);
    const batch = Array.from({ length: 10 }, (_, i) => record(i, 1024 * 1024));
    // Act
    const delivered = await send(batch);
    // Assess
    expect(delivered).toBe(10);
    expect(calls.length).toBeGreaterThan(2);
    expect(calls.every((c) => c.bytes <= INVOKE_REQUEST_LIMIT_BYTES)).toBe(true);
    expect(calls.flatMap((c) => c.seqs)).toEqual(batch.map((r) => r.sequenceNumber));
  });

  it('sends a batch that fits in one invoke as one invoke', async () => {
    // Prepare
    const calls = consumer(() => undefined);
    const batch = Array.from({ length: 100 }, (_, i) => record(i, 2_000));
    // Act
    await send(batch);
    // Assess
    expect(calls).toHaveLength(1);
  });

  it('stops at a run with a failed record and retries from that record, not from the batch start', async () => {
    // Prepare: runs of 2 records (limit ~ 2 records); record 3 fails once
    const batch = Array.from({ length: 6 }, (_, i) => record(i, 4_000));
    const failing = batch[3]?.sequenceNumber;
    let failed = false;
    const calls = consumer((records) => {
      if (!failed && records.some((r) => r.kinesis.sequenceNumber === failing)) {
        failed = true;
        return failing;
      }
      return undefined;
    });
    // Act
    const delivered = await send(batch, 12_000);
    // Assess: record 3 delivered twice, the rest once, none after the failed run before the retry
    const seqs = calls.flatMap((c) => c.seqs);
    const n = (i: number) => batch[i]?.sequenceNumber;
    expect(seqs).toEqual([n(0), n(1), n(2), n(3), n(3), n(4), n(5)]);
    expect(delivered).toBe(6);
  });

  it('keeps the runs before one that throws, and retries from that run', async () => {
    // Prepare: the second invoke throws once
    const calls = consumer((_records, call) => (call === 2 ? 'throw' : undefined));
    const batch = Array.from({ length: 6 }, (_, i) => record(i, 4_000));
    // Act
    const delivered = await send(batch, 12_000);
    // Assess
    const n = (i: number) => batch[i]?.sequenceNumber;
    expect(calls.map((c) => c.seqs)).toEqual([
      [n(0), n(1)],
      [n(2), n(3)],
      [n(2), n(3)],
      [n(4), n(5)],
    ]);
    expect(delivered).toBe(6);
  });

  it('refuses a record that alone is above the limit, naming it', async () => {
    // Prepare
    consumer(() => undefined);
    const batch = [record(1, 50_000)];
    // Act
    const sending = send(batch, 20_000);
    // Assess
    await expect(sending).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining(batch[0]?.sequenceNumber ?? '?'),
    });
  });
});
