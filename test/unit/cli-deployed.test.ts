import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand, type Output } from '@aws-sdk/client-cloudformation';
import { DescribeStreamSummaryCommand, KinesisClient, ListShardsCommand } from '@aws-sdk/client-kinesis';
import {
  GetEventSourceMappingCommand,
  InvokeCommand,
  LambdaClient,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { deployedContext } from '../../cli/deployed';
import { catalog as exampleCatalog } from '../../example/catalog';
import { opsOutputNames } from '../../infra/constructs/ops-output-names';
import { catalogOutputNames, outputNames } from '../../infra/output-names';
import { type Catalog, subscriptions } from '../../shared/catalog';
import { streamEnvVar } from '../../shared/config';
import { defineConsumer, MemoryConsumerStore, MemoryPublisher } from '../../shared/consumer';
import { sendBatch, toKinesisRecord } from '../../shared/ops';
import { opsCatalog } from '../fixtures/ops/catalog';
import { depositRecord } from '../fixtures/ops/records';

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';

/**
 * The outputs the real stack has for a catalog: the names come from the same helpers the stack uses
 * (`infra/spine-stack.ts`, `infra/constructs/ops.ts`); the values look like CloudFormation's physical ids.
 */
const stackOutputs = (catalog: Catalog): Output[] => {
  const keys = [
    ...catalogOutputNames(catalog).map((o) => o.name),
    ...subscriptions(catalog).flatMap(({ service, subscription }) => [
      opsOutputNames.consumer(service.name, subscription.topic),
      opsOutputNames.mapping(service.name, subscription.topic),
    ]),
    opsOutputNames.operatorRole,
    opsOutputNames.dashboard,
  ];
  return keys.map((key, i) => ({
    OutputKey: key,
    OutputValue:
      key === outputNames.ingressUrl
        ? `https://a1b2c3d4e5.execute-api.${REGION}.amazonaws.com/`
        : key.startsWith('OpsMapping')
          ? `0f1e2d3c-4b5a-6978-8796-${String(i).padStart(12, '0')}`
          : `prod-${key}-X${i}Y`,
  }));
};
const outputValue = (outputs: Output[], key: string): string => {
  const value = outputs.find((o) => o.OutputKey === key)?.OutputValue;
  if (!value) throw new Error(`fixture has no output ${key}`);
  return value;
};

/** A Lambda Invoke response payload as the SDK types it. */
const payload = (text: string) =>
  Object.assign(new Uint8Array(Buffer.from(text)), { transformToString: () => text });

const cfn = mockClient(CloudFormationClient);
const lambda = mockClient(LambdaClient);
const kinesis = mockClient(KinesisClient);
const doc = mockClient(DynamoDBDocumentClient);

const withStack = (catalog: Catalog, outputs = stackOutputs(catalog)) => {
  cfn.on(DescribeStacksCommand, { StackName: 'spine-prod' }).resolves({
    Stacks: [
      { StackName: 'spine-prod', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date(), Outputs: outputs },
    ],
  });
  return outputs;
};

const open = (catalog: Catalog, extra: { sleep?: (ms: number) => Promise<void>; settleMs?: number } = {}) =>
  deployedContext(catalog, 'spine-prod', { region: REGION, ...extra });

beforeEach(() => {
  for (const m of [cfn, lambda, kinesis, doc]) m.reset();
  // Credentials are resolved lazily (only the SigV4 publish needs them); mocks never sign.
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY');
  vi.stubEnv('AWS_PROFILE', undefined);
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
});

describe('deployedContext: resources from stack outputs', () => {
  it('resolves streams, runtime and state tables from the outputs of the example catalog', async () => {
    // Prepare
    const outputs = withStack(exampleCatalog);
    kinesis.on(ListShardsCommand).resolves({
      Shards: [
        {
          ShardId: 'shardId-000000000000',
          HashKeyRange: { StartingHashKey: '0', EndingHashKey: '340282366920938463463374607431768211455' },
          SequenceNumberRange: { StartingSequenceNumber: '49600000000000000000' },
        },
      ],
    });
    kinesis.on(DescribeStreamSummaryCommand).callsFake((input: { StreamName?: string }) => ({
      StreamDescriptionSummary: {
        StreamARN: `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${input.StreamName}`,
      },
    }));
    doc.on(QueryCommand).resolves({ Items: [] });
    const ctx = await open(exampleCatalog);
    // Act
    const arns: Record<string, string> = {};
    for (const topic of exampleCatalog.topics) {
      await ctx.reader.shards(topic.name);
      arns[topic.name] = await ctx.reader.streamArn(topic.name);
    }
    await ctx.store.checkpoints('orders', 'orders');
    await ctx.store.parkedCount('orders');
    const stateTables = exampleCatalog.services.flatMap((s) =>
      s.tables.map((t) => [
        ctx.stateTable(s.name, t.name),
        outputValue(outputs, outputNames.stateTable(s.name, t.name)),
      ]),
    );
    ctx.close();
    // Assess
    const listed = kinesis.commandCalls(ListShardsCommand).map((c) => c.args[0].input.StreamName);
    expect(listed).toEqual(
      exampleCatalog.topics.map((t) => outputValue(outputs, outputNames.stream(t.name))),
    );
    for (const topic of exampleCatalog.topics)
      expect(arns[topic.name]).toMatch(
        new RegExp(`stream/${outputValue(outputs, outputNames.stream(topic.name))}$`),
      );
    expect(doc.commandCalls(QueryCommand).map((c) => c.args[0].input.TableName)).toEqual([
      outputValue(outputs, outputNames.runtimeTable('checkpoints')),
      outputValue(outputs, outputNames.runtimeTable('parking')),
    ]);
    expect(stateTables.length).toBeGreaterThan(0);
    for (const [resolved, expected] of stateTables) expect(resolved).toBe(expected);
    expect(ctx.target).toBe(`stack spine-prod (${REGION})`);
  });

  it('fails with NOT_CONFIGURED when the stack does not exist', async () => {
    // Prepare
    cfn
      .on(DescribeStacksCommand)
      .rejects(
        Object.assign(new Error('Stack with id spine-prod does not exist'), { name: 'ValidationError' }),
      );
    // Act
    const opened = open(exampleCatalog);
    // Assess
    await expect(opened).rejects.toMatchObject({
      name: 'OpsError',
      code: 'NOT_CONFIGURED',
      message: expect.stringMatching(/cannot read stack spine-prod: .*does not exist/),
    });
  });

  it('fails with NOT_CONFIGURED naming the output a stack lacks', async () => {
    // Prepare: a stack deployed before the ops outputs existed
    const old = stackOutputs(exampleCatalog).filter((o) => !o.OutputKey?.startsWith('Ops'));
    withStack(exampleCatalog, old);
    const ctx = await open(exampleCatalog);
    const streamArn = `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${outputValue(old, outputNames.stream('orders'))}`;
    const records = [toKinesisRecord(depositRecord(1, 'a'), { streamArn, region: REGION })];
    // Act
    const delivered = ctx.delivery.deliver('orders', 'orders', records);
    const paused = ctx.control.pause('orders', 'orders');
    // Assess
    const missing = opsOutputNames.consumer('orders', 'orders');
    await expect(delivered).rejects.toMatchObject({
      code: 'NOT_CONFIGURED',
      message: `stack spine-prod has no output ${missing}; deploy the current version of Spine`,
    });
    await expect(paused).rejects.toMatchObject({
      code: 'NOT_CONFIGURED',
      message: expect.stringContaining(opsOutputNames.mapping('orders', 'orders')),
    });
    expect(lambda.calls()).toHaveLength(0);
  });

  it('fails at once when even the runtime tables are missing', async () => {
    // Prepare
    withStack(
      exampleCatalog,
      stackOutputs(exampleCatalog).filter((o) => o.OutputKey !== outputNames.runtimeTable('checkpoints')),
    );
    // Act
    const opened = open(exampleCatalog);
    // Assess
    await expect(opened).rejects.toMatchObject({
      code: 'NOT_CONFIGURED',
      message: expect.stringContaining(`has no output ${outputNames.runtimeTable('checkpoints')}`),
    });
  });

  it('takes the region of --profile from the shared config file', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'spine-aws-config-'));
    writeFileSync(
      join(dir, 'config'),
      '[default]\nregion = us-west-2\n[profile ops]\nregion = ap-southeast-2\n',
    );
    writeFileSync(
      join(dir, 'credentials'),
      '[ops]\naws_access_key_id = AKIDOPS\naws_secret_access_key = s\n',
    );
    vi.stubEnv('AWS_CONFIG_FILE', join(dir, 'config'));
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(dir, 'credentials'));
    vi.stubEnv('AWS_REGION', undefined);
    vi.stubEnv('AWS_DEFAULT_REGION', undefined);
    withStack(exampleCatalog);
    try {
      // Act
      const ctx = await deployedContext(exampleCatalog, 'spine-prod', { profile: 'ops' });
      ctx.close();
      // Assess
      expect(ctx.region).toBe('ap-southeast-2');
      expect(ctx.operator).toMatch(/ via ops$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const shapeFor = (outputs: Output[], emits?: 'publish' | 'suppress') => ({
  streamArn: `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${outputValue(outputs, outputNames.stream('ledger'))}`,
  region: REGION,
  ...(emits && { emits }),
});

/** What the event source mapping sends a function, field by field (Lambda's Kinesis event). */
const kinesisEvent = z.object({
  Records: z
    .array(
      z.object({
        eventSource: z.literal('aws:kinesis'),
        eventName: z.literal('aws:kinesis:record'),
        eventVersion: z.literal('1.0'),
        eventID: z.string().regex(/^shardId-\d{12}:\d+$/),
        eventSourceARN: z.string().regex(/^arn:aws:kinesis:[a-z0-9-]+:\d{12}:stream\/.+$/),
        awsRegion: z.string(),
        invokeIdentityArn: z.string(),
        kinesis: z.object({
          kinesisSchemaVersion: z.literal('1.0'),
          partitionKey: z.string(),
          sequenceNumber: z.string().regex(/^\d+$/),
          data: z.string().base64(),
          approximateArrivalTimestamp: z.number(),
        }),
      }),
    )
    .min(1),
  spine: z
    .object({ emits: z.enum(['publish', 'suppress']).optional() })
    .strict()
    .optional(),
});

describe('deployedContext: delivery through Lambda Invoke', () => {
  /** The `accounts` consumer of the ops catalog, as deployed: the real runtime on an in-memory store. */
  const deployedConsumer = (outputs: Output[]) => {
    const store = new MemoryConsumerStore(['balances']);
    const handler = defineConsumer(
      {
        catalog: opsCatalog,
        service: 'accounts',
        handlers: {
          Deposit: async (event, ctx) => {
            const { account, amount } = z
              .object({ account: z.string(), amount: z.number() })
              .parse(event.data);
            ctx.update('balances', account, { add: { balance: amount } });
          },
        },
      },
      {
        store,
        publisher: new MemoryPublisher(),
        logReaders: false,
        env: { [streamEnvVar('ledger')]: outputValue(outputs, outputNames.stream('ledger')) },
      },
    );
    const events: z.infer<typeof kinesisEvent>[] = [];
    lambda.on(InvokeCommand).callsFake(async (input: { FunctionName?: string; Payload?: Uint8Array }) => {
      if (input.FunctionName !== outputValue(outputs, opsOutputNames.consumer('accounts', 'ledger')))
        return { StatusCode: 404, FunctionError: 'Unhandled', Payload: payload('{"errorType":"NotFound"}') };
      const event = kinesisEvent.parse(JSON.parse(Buffer.from(input.Payload ?? []).toString('utf8')));
      events.push(event);
      return { StatusCode: 200, Payload: payload(JSON.stringify(await handler(event))) };
    });
    const balance = (account: string) => store.tables.get('balances')?.get(account)?.balance;
    return { events, balance };
  };

  it('invokes the subscription consumer with a Kinesis event the real runtime applies', async () => {
    // Prepare
    const outputs = withStack(opsCatalog);
    const consumer = deployedConsumer(outputs);
    const ctx = await open(opsCatalog);
    const batch = [depositRecord(1, 'a'), depositRecord(2, 'b'), depositRecord(3, 'a')];
    // Act
    let delivered = 0;
    await sendBatch(ctx.delivery, batch, {
      service: 'accounts',
      topic: 'ledger',
      shape: shapeFor(outputs),
      maxAttempts: 2,
      onDelivered: (n) => {
        delivered += n;
      },
    });
    await sendBatch(ctx.delivery, batch, {
      service: 'accounts',
      topic: 'ledger',
      shape: shapeFor(outputs),
      maxAttempts: 2,
    });
    // Assess: applied once each, though delivered twice (the runtime's checkpoint)
    expect(delivered).toBe(3);
    expect(consumer.balance('a')).toBe(4);
    expect(consumer.balance('b')).toBe(2);
    expect(consumer.events.map((e) => e.Records.map((r) => r.kinesis.partitionKey))).toEqual([
      ['a', 'b', 'a'],
      ['a', 'b', 'a'],
    ]);
    expect(consumer.events[0]?.spine).toBeUndefined();
  });

  it('passes the emits mode in the `spine` field when given', async () => {
    // Prepare
    const outputs = withStack(opsCatalog);
    const consumer = deployedConsumer(outputs);
    const ctx = await open(opsCatalog);
    // Act
    for (const emits of ['suppress', 'publish'] as const)
      await sendBatch(ctx.delivery, [depositRecord(1, 'a')], {
        service: 'accounts',
        topic: 'ledger',
        shape: shapeFor(outputs, emits),
        maxAttempts: 2,
      });
    // Assess
    expect(consumer.events.map((e) => e.spine)).toEqual([{ emits: 'suppress' }, { emits: 'publish' }]);
    expect(consumer.balance('a')).toBe(1);
  });

  it('turns a FunctionError into DELIVERY_FAILED with the function error', async () => {
    // Prepare
    withStack(opsCatalog);
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: payload(
        '{"errorType":"Sandbox.Timedout","errorMessage":"Task timed out after 30.00 seconds"}',
      ),
    });
    const ctx = await open(opsCatalog);
    // Act
    const delivered = ctx.delivery.deliver('accounts', 'ledger', [
      toKinesisRecord(depositRecord(1, 'a'), shapeFor(stackOutputs(opsCatalog))),
    ]);
    // Assess
    await expect(delivered).rejects.toMatchObject({
      code: 'DELIVERY_FAILED',
      message: expect.stringMatching(/consumer accounts<-ledger failed: .*Task timed out/),
    });
  });

  it.each([
    ['not JSON', 'Internal Server Error'],
    // Lambda fails the whole batch on an itemIdentifier under a wrong key name; so does the CLI.
    ['a batch response with a wrong key name', '{"batchItemFailures":[{"itemId":"49600"}]}'],
  ])('turns a payload that is %s into DELIVERY_FAILED', async (_what, answer) => {
    // Prepare
    withStack(opsCatalog);
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload(answer) });
    const ctx = await open(opsCatalog);
    // Act
    const delivered = ctx.delivery.deliver('accounts', 'ledger', [
      toKinesisRecord(depositRecord(1, 'a'), shapeFor(stackOutputs(opsCatalog))),
    ]);
    // Assess
    await expect(delivered).rejects.toMatchObject({ name: 'OpsError', code: 'DELIVERY_FAILED' });
  });
});

describe('deployedContext: pause and resume through the event source mapping', () => {
  /** A mapping that reports `states` in turn (the last one from then on) and records updates. */
  const mapping = (outputs: Output[], states: string[]) => {
    const uuid = outputValue(outputs, opsOutputNames.mapping('orders', 'orders'));
    let polls = 0;
    lambda.on(GetEventSourceMappingCommand).callsFake((input: { UUID?: string }) => {
      if (input.UUID !== uuid)
        throw Object.assign(new Error('not found'), { name: 'ResourceNotFoundException' });
      const State = states[Math.min(polls, states.length - 1)];
      polls += 1;
      return { UUID: uuid, State };
    });
    lambda.on(UpdateEventSourceMappingCommand).callsFake((input: { UUID?: string; Enabled?: boolean }) => {
      if (input.UUID !== uuid)
        throw Object.assign(new Error('not found'), { name: 'ResourceNotFoundException' });
      return { UUID: uuid, State: input.Enabled ? 'Enabling' : 'Disabling' };
    });
    return { uuid, polls: () => polls };
  };
  const updates = () => lambda.commandCalls(UpdateEventSourceMappingCommand).map((c) => c.args[0].input);

  it('disables the subscription mapping, waits for Disabled, then for a batch still running', async () => {
    // Prepare
    const outputs = withStack(exampleCatalog);
    const m = mapping(outputs, ['Enabled', 'Disabling', 'Disabling', 'Disabled']);
    const slept: number[] = [];
    const ctx = await open(exampleCatalog, { sleep: async (ms) => void slept.push(ms) });
    // Act
    await ctx.control.pause('orders', 'orders');
    // Assess
    expect(updates()).toEqual([{ UUID: m.uuid, Enabled: false }]);
    expect(m.polls()).toBe(4);
    expect(slept).toEqual([2_000, 2_000, 35_000]);
    expect(await ctx.control.isPaused('orders', 'orders')).toBe(true);
  });

  it('only waits when the mapping is already Disabling, and does nothing when Disabled', async () => {
    // Prepare
    const outputs = withStack(exampleCatalog);
    mapping(outputs, ['Disabling', 'Disabled']);
    const slept: number[] = [];
    const ctx = await open(exampleCatalog, { sleep: async (ms) => void slept.push(ms), settleMs: 10 });
    // Act
    await ctx.control.pause('orders', 'orders');
    await ctx.control.pause('orders', 'orders');
    // Assess
    expect(updates()).toEqual([]);
    expect(slept).toEqual([10]);
  });

  it('gives up with PAUSE_TIMEOUT when the mapping never reaches Disabled', async () => {
    // Prepare
    const outputs = withStack(exampleCatalog);
    mapping(outputs, ['Enabled', 'Disabling']);
    let waited = 0;
    const ctx = await open(exampleCatalog, {
      sleep: async (ms) => {
        waited += ms;
      },
    });
    // Act
    const paused = ctx.control.pause('orders', 'orders');
    // Assess
    await expect(paused).rejects.toMatchObject({ code: 'PAUSE_TIMEOUT' });
    expect(waited).toBe(180_000);
  });

  it('resume enables the same mapping', async () => {
    // Prepare
    const outputs = withStack(exampleCatalog);
    const m = mapping(outputs, ['Enabled']);
    const ctx = await open(exampleCatalog);
    // Act
    await ctx.control.resume('orders', 'orders');
    // Assess
    expect(updates()).toEqual([{ UUID: m.uuid, Enabled: true }]);
    expect(await ctx.control.isPaused('orders', 'orders')).toBe(false);
  });
});

describe('deployedContext: publish', () => {
  it('signs for execute-api in the stack region and posts to the ingress URL of the outputs', async () => {
    // Prepare
    const outputs = withStack(exampleCatalog);
    const sent: { url: string; headers: Record<string, string>; body: string }[] = [];
    vi.stubGlobal('fetch', async (url: URL, init: { headers: Record<string, string>; body: string }) => {
      sent.push({ url: String(url), headers: init.headers, body: init.body });
      return new Response('{"results":[]}', { status: 202 });
    });
    const ctx = await open(exampleCatalog);
    const event = { type: 'OrderRequested', data: { orderId: 'o-1' } };
    // Act
    const answer = await ctx.publisher.publish('orders', event);
    // Assess
    expect(answer).toEqual({ status: 202, body: { results: [] } });
    expect(sent).toHaveLength(1);
    const [request] = sent;
    expect(request?.url).toBe(`${outputValue(outputs, outputNames.ingressUrl)}topics/orders/events`);
    expect(JSON.parse(request?.body ?? '')).toEqual(event);
    expect(request?.headers.authorization).toMatch(
      new RegExp(
        `^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/\\d{8}/${REGION}/execute-api/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$`,
      ),
    );
    const amzDate = request?.headers['x-amz-date'] ?? '';
    expect(amzDate).toMatch(/^\d{8}T\d{6}Z$/);
    const signedAt = Date.parse(
      amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'),
    );
    expect(Math.abs(Date.now() - signedAt)).toBeLessThan(60_000);
  });
});
