import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { afterEach, describe, expect, it } from 'vitest';
import {
  FaultCounts,
  FaultInjector,
  type FaultRelay,
  FaultSchedule,
  type HttpFaultRates,
  InjectedFaultError,
  type RelayService,
  readFaultConfig,
  startFaultRelay,
} from '../../local/faults';
import { IDLE_SOCKET_MS } from '../../local/net';
import { createHttpHandler } from '../../shared/aws';
import { lambdaContext } from '../fixtures/apigw';

describe('fault injection config (SPINE_FAULTS)', () => {
  it('is off when unset', () => {
    expect(readFaultConfig({})).toBeUndefined();
  });

  it('names the wrong setting and what is allowed', () => {
    expect(() => readFaultConfig({ SPINE_FAULTS: '{"handler":{"crashBefore":2}}' })).toThrow(
      /SPINE_FAULTS is invalid: handler\.crashBefore: Too big: expected number to be <=1/,
    );
    expect(() => readFaultConfig({ SPINE_FAULTS: '{"kinesis":{"putThrottle":0.1}}' })).toThrow(
      /Unrecognized key: "putThrottle"/,
    );
    expect(() => readFaultConfig({ SPINE_FAULTS: 'yes' })).toThrow(/not JSON/);
  });

  it('gives a relay schedule only to the services it configures faults for', () => {
    const injector = new FaultInjector({
      seed: 1,
      kinesis: { lostResponse: 0.1 },
      dynamodb: { throttle: 0 },
    });

    expect(injector.scheduleFor('kinesis')).toBeInstanceOf(FaultSchedule);
    expect(injector.scheduleFor('dynamodb')).toBeUndefined();
  });

  it('with forceOnce, fires every configured kind once for sure, whatever the draws, then only by rate', async () => {
    // Prepare: rates so low that a draw would practically never fire.
    const injector = new FaultInjector({
      seed: 1,
      forceOnce: true,
      handler: { crashBefore: 1e-9, duplicate: 1e-9, timeout: 1e-9, timeoutMs: 1 },
      kinesis: { lostResponse: 1e-9, throttle: 1e-9 },
      dynamodb: { lostResponse: 1e-9 },
    });
    const kinesis = injector.scheduleFor('kinesis');
    const dynamodb = injector.scheduleFor('dynamodb');
    let runs = 0;
    const handler = injector.wrapHandler(async () => {
      runs += 1;
      return { batchItemFailures: [] };
    });
    const event = { Records: [] };

    // Act: four invocations, and a few requests to each relay.
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i++)
      outcomes.push(
        await Promise.resolve(handler(event, lambdaContext(1_000))).then(
          () => 'ok',
          (e: unknown) => (e instanceof InjectedFaultError ? e.kind : 'error'),
        ),
      );
    const http = [
      kinesis?.decide('GetRecords')?.kind,
      kinesis?.decide('PutRecords', 3)?.kind,
      kinesis?.decide('PutRecords', 3)?.kind,
      dynamodb?.decide('TransactWriteItems')?.kind,
      dynamodb?.decide('TransactWriteItems')?.kind,
    ];

    // Assess: crashBefore on the first, timeout on the second (after a duplicate run), then none.
    expect(outcomes).toEqual(['handler.crashBefore', 'handler.timeout', 'ok', 'ok']);
    expect(injector.counts.get('handler.duplicate')).toBe(1);
    expect(runs).toBe(4);
    expect(http).toEqual(['throttle', 'lostResponse', undefined, 'lostResponse', undefined]);
  });
});

/** A stand-in emulator: answers every PutRecords record with a sequence number and remembers what it applied. */
const fakeUpstream = async () => {
  const applied: { target: string; records: number }[] = [];
  let seq = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { Records?: unknown[] };
      const records = body.Records?.length ?? 0;
      applied.push({ target, records });
      const answer = target.endsWith('PutRecords')
        ? {
            FailedRecordCount: 0,
            Records: (body.Records ?? []).map(() => ({
              ShardId: 'shardId-000000000000',
              SequenceNumber: String(++seq),
            })),
          }
        : {};
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    applied,
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((r) => server.close(r)),
  };
};

const aws = { region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 };
const putRecords = (n: number) =>
  new PutRecordsCommand({
    StreamName: 's',
    Records: Array.from({ length: n }, (_, i) => ({
      Data: new TextEncoder().encode(`r${i}`),
      PartitionKey: `k${i}`,
    })),
  });

describe('startFaultRelay', () => {
  const open: { close(): Promise<unknown> }[] = [];
  afterEach(async () => {
    for (const o of open.splice(0).reverse()) await o.close();
  });

  const setup = async (service: RelayService, rates: HttpFaultRates) => {
    const upstream = await fakeUpstream();
    const counts = new FaultCounts();
    const schedule = new FaultSchedule({ service, rates, seed: 11, counts });
    const relay: FaultRelay = await startFaultRelay(0, upstream.port, schedule);
    open.push(upstream, relay);
    const endpoint = `http://127.0.0.1:${relay.port}`;
    const kinesis = new KinesisClient({ ...aws, endpoint, requestHandler: createHttpHandler() });
    const dynamo = new DynamoDBClient({ ...aws, endpoint, requestHandler: createHttpHandler() });
    open.push({
      close: async () => {
        kinesis.destroy();
        dynamo.destroy();
      },
    });
    return { upstream, counts, schedule, kinesis, dynamo, endpoint };
  };

  it('keeps idle keep-alive sockets IDLE_SOCKET_MS, as its Keep-Alive header tells clients', async () => {
    const { endpoint } = await setup('kinesis', {});

    const answer = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'x-amz-target': 'Kinesis_20131202.ListShards',
        'content-type': 'application/x-amz-json-1.1',
      },
      body: '{}',
    });

    expect(answer.status).toBe(200);
    expect(answer.headers.get('keep-alive')).toBe(`timeout=${IDLE_SOCKET_MS / 1000}`);
  });

  it('applies a PutRecords upstream and then loses its answer', async () => {
    const { upstream, counts, kinesis } = await setup('kinesis', { lostResponse: 1 });

    const errors = [];
    for (let i = 0; i < 8; i++) errors.push(await kinesis.send(putRecords(2)).catch((e: Error) => e));

    expect(upstream.applied).toHaveLength(8);
    expect(errors.every((e) => e instanceof Error)).toBe(true);
    const names = new Set(errors.map((e) => (e instanceof Error ? e.name : 'none')));
    expect([...names].some((n) => /InternalFailure|ServiceUnavailable/.test(n))).toBe(true);
    expect(errors.some((e) => e instanceof Error && /socket hang up|ECONNRESET/.test(e.message))).toBe(true);
    expect(counts.total('kinesis.lostResponse')).toBe(8);
    expect(counts.get('target:kinesis.PutRecords.lostResponse')).toBe(8);
  });

  it('loses the answer of a conditional DynamoDB write after applying it', async () => {
    const { upstream, counts, dynamo } = await setup('dynamodb', { lostResponse: 1 });

    const error = await dynamo
      .send(
        new PutItemCommand({
          TableName: 't',
          Item: { pk: { S: 'a' } },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      )
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(Error);
    expect(upstream.applied.map((a) => a.target)).toEqual(['DynamoDB_20120810.PutItem']);
    expect(counts.total('dynamodb.lostResponse')).toBe(1);
  });

  it('applies only part of a PutRecords and rejects the rest per record, as Kinesis does under load', async () => {
    const { upstream, counts, kinesis } = await setup('kinesis', { partialPutRecords: 1 });

    const out = await kinesis.send(putRecords(10));

    const rejected = (out.Records ?? []).filter(
      (r) => r.ErrorCode === 'ProvisionedThroughputExceededException',
    );
    expect(rejected.length).toBeGreaterThan(0);
    expect(rejected.length).toBeLessThan(10);
    expect(out.FailedRecordCount).toBe(rejected.length);
    expect(upstream.applied[0]?.records).toBe(10 - rejected.length);
    expect(counts.get('kinesis.partialPutRecords')).toBe(1);
  });

  it('can lose the answer of a partial PutRecords too', async () => {
    const { upstream, counts, kinesis } = await setup('kinesis', { partialPutRecords: 1, partialLost: 1 });

    const error = await kinesis.send(putRecords(10)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(Error);
    expect(upstream.applied[0]?.records).toBeGreaterThan(0);
    expect(upstream.applied[0]?.records).toBeLessThan(10);
    expect(counts.total('kinesis.partialPutRecords.lost')).toBe(1);
  });

  it('throttles without forwarding', async () => {
    const { upstream, counts, kinesis } = await setup('kinesis', { throttle: 1 });

    const error = await kinesis.send(putRecords(1)).catch((e: unknown) => e);

    expect((error as Error).name).toBe('ProvisionedThroughputExceededException');
    expect(upstream.applied).toHaveLength(0);
    expect(counts.get('kinesis.throttle')).toBe(1);
  });

  it('forwards untouched while disabled, and at the configured rate when enabled', async () => {
    const { upstream, counts, schedule, kinesis } = await setup('kinesis', { throttle: 0.2 });
    schedule.enabled = false;
    for (let i = 0; i < 20; i++) await kinesis.send(putRecords(1));
    expect(counts.total()).toBe(0);
    schedule.enabled = true;

    let throttled = 0;
    for (let i = 0; i < 300; i++)
      if (
        await kinesis.send(putRecords(1)).then(
          () => false,
          () => true,
        )
      )
        throttled += 1;

    expect(throttled).toBe(counts.get('kinesis.throttle'));
    expect(throttled).toBeGreaterThan(30);
    expect(throttled).toBeLessThan(90);
    expect(upstream.applied).toHaveLength(320 - throttled);
  });
});

describe('FaultInjector handler faults', () => {
  it('crashes a handler before or after it ran, with the configured probability', async () => {
    let ran = 0;
    const handler = async () => {
      ran += 1;
      return { batchItemFailures: [] };
    };
    const before = new FaultInjector({ seed: 3, handler: { crashBefore: 1 } }).wrapHandler(handler);
    const after = new FaultInjector({ seed: 3, handler: { crashAfter: 1 } });
    const never = new FaultInjector({ seed: 3, handler: { crashBefore: 0 } }).wrapHandler(handler);

    await expect(before({ Records: [] }, lambdaContext())).rejects.toBeInstanceOf(InjectedFaultError);
    expect(ran).toBe(0);
    await expect(after.wrapHandler(handler)({ Records: [] }, lambdaContext())).rejects.toThrow(
      /handler\.crashAfter/,
    );
    expect(ran).toBe(1);
    expect(after.counts.snapshot()).toEqual({ 'handler.crashAfter': 1 });
    await expect(never({ Records: [] }, lambdaContext())).resolves.toEqual({ batchItemFailures: [] });
  });

  it('runs a duplicate invocation of the same records at the same time and answers once', async () => {
    // Prepare: a handler that records how many invocations overlap.
    let running = 0;
    let overlapped = 0;
    let ran = 0;
    const handler = async () => {
      running += 1;
      ran += 1;
      await new Promise((r) => setTimeout(r, 20));
      overlapped = Math.max(overlapped, running);
      running -= 1;
      return { batchItemFailures: [] };
    };
    const injector = new FaultInjector({ seed: 3, handler: { duplicate: 1 } });
    // Act
    const answer = await injector.wrapHandler(handler)({ Records: [] }, lambdaContext());
    await new Promise((r) => setTimeout(r, 50));
    // Assess
    expect(answer).toEqual({ batchItemFailures: [] });
    expect(ran).toBe(2);
    expect(overlapped).toBe(2);
    expect(injector.counts.snapshot()).toEqual({ 'handler.duplicate': 1 });
  });
});
