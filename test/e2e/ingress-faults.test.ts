import type {
  PutRecordsCommandInput,
  PutRecordsCommandOutput,
  PutRecordsResultEntry,
} from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../../catalog';
import type { LambdaHandler, LocalHttpEvent } from '../../local';
import { createDynamoClient, createKinesisClient } from '../../shared/aws';
import { type IngressHandler, wireIngress } from '../../shared/ingress';
import {
  type IngressBackbone,
  jsonBody,
  startIngressBackbone,
  withoutConsumers,
} from './helpers/ingress-backbone';

/**
 * Failures injected at the Kinesis client, the only way to make kinesis-mock throttle or vanish on cue:
 * a middleware on the ingress's own client answers PutRecords (or part of it) the way Kinesis does when a
 * shard is over its limits (per-record `ProvisionedThroughputExceededException`) or when the endpoint is
 * unreachable (the call throws). Everything else reaches the real emulator.
 */
const faults = { throttleKeys: new Set<string>(), down: false };

const THROTTLED: PutRecordsResultEntry = {
  ErrorCode: 'ProvisionedThroughputExceededException',
  ErrorMessage: 'Rate exceeded for shard shardId-000000000000 in stream orders under account 000000000000.',
};

const faultyIngress = (): IngressHandler => {
  const kinesis = createKinesisClient();
  kinesis.middlewareStack.add(
    (next, context) => async (args) => {
      if (faults.down)
        // As Node reports a refused connect: the request never left, so the ingress may say "not written".
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4567 (stream orders)'), {
          name: 'Error',
          code: 'ECONNREFUSED',
          $metadata: {},
        });
      if (context.commandName !== 'PutRecordsCommand' || faults.throttleKeys.size === 0) return next(args);
      const input = args.input as PutRecordsCommandInput;
      const records = input.Records ?? [];
      const hit = (key: string | undefined) => faults.throttleKeys.has(key ?? '');
      const pass = records.filter((r) => !hit(r.PartitionKey));
      const out =
        pass.length === 0
          ? { Records: [] }
          : ((await next({ ...args, input: { ...input, Records: pass } })).output as PutRecordsCommandOutput);
      let j = 0;
      const merged = records.map((r) => (hit(r.PartitionKey) ? THROTTLED : (out.Records?.[j++] ?? {})));
      const output: PutRecordsCommandOutput = {
        $metadata: {},
        FailedRecordCount: merged.filter((r) => r.ErrorCode).length,
        Records: merged,
      };
      return { response: {}, output };
    },
    { step: 'initialize', name: 'spineTestFaults' },
  );
  return wireIngress({
    catalog,
    kinesis,
    dynamo: createDynamoClient(),
    writer: { retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 } },
    log: () => undefined,
  });
};

const order = (orderId: string) => ({
  orderId,
  customerId: 'c-1',
  items: [{ sku: 'tea', quantity: 1, unitPrice: 2 }],
});
const ce = (id: string, orderId: string) => ({
  specversion: '1.0',
  id,
  source: '/e2e/faults',
  type: 'OrderRequested',
  data: order(orderId),
});
const BATCH = { 'content-type': 'application/cloudevents-batch+json' };

describe('ingress over HTTP when Kinesis throttles or is unavailable', () => {
  let spine: IngressBackbone;
  beforeAll(async () => {
    // The handler is built at its first call: local mode applies the environment before serving.
    let ingress: IngressHandler | undefined;
    const handler: LambdaHandler<LocalHttpEvent> = (event, context) => {
      ingress ??= faultyIngress();
      return ingress(event, context);
    };
    spine = await startIngressBackbone(withoutConsumers(catalog), handler);
  });
  afterAll(async () => {
    await spine?.stop();
  });

  it('answers 429 with Retry-After naming the throttled event, and a retry of the request completes it once', async () => {
    // Prepare
    const body = JSON.stringify([ce('thr-0', 'thr-ok'), ce('thr-1', 'thr-hot')]);
    faults.throttleKeys = new Set(['thr-hot']);
    // Act
    const throttled = await spine.post('orders', body, BATCH);
    faults.throttleKeys = new Set();
    const retry = await spine.post('orders', body, BATCH);
    // Assess
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('1');
    const refusal = await jsonBody(throttled);
    expect(refusal).toMatchObject({
      code: 'THROTTLED',
      errors: [{ index: 1, path: '', message: 'throttled by the log' }],
      results: [{ index: 0, id: 'thr-0', duplicate: false }],
    });
    expect(retry.status).toBe(202);
    const results = (await jsonBody(retry)).results as { id: string; duplicate: boolean }[];
    expect(results.map((r) => [r.id, r.duplicate])).toEqual([
      ['thr-0', true],
      ['thr-1', false],
    ]);
    const log = await spine.readStream('orders');
    expect(
      log
        .filter((e) => e.id.startsWith('thr-'))
        .map((e) => e.id)
        .sort(),
    ).toEqual(['thr-0', 'thr-1']);
  });

  it('answers 503 with Retry-After and no internals when the log is unreachable, and /health says so', async () => {
    // Prepare
    faults.down = true;
    // Act
    const refused = await spine.post('orders', JSON.stringify(ce('down-1', 'down')), {
      'content-type': 'application/cloudevents+json',
    });
    const health = await fetch(`${spine.url}/health`);
    faults.down = false;
    // The probe is cached for 5 s (shared/ingress/health.ts), so recovery shows within that window.
    const recovering = Date.now();
    let healthy = await fetch(`${spine.url}/health`);
    // Polled up to 60 s: 15 s left 10 s past the cache for one probe of an emulator on a loaded machine.
    while (healthy.status !== 200 && Date.now() - recovering < 60_000) {
      await new Promise((r) => setTimeout(r, 250));
      healthy = await fetch(`${spine.url}/health`);
    }
    const retry = await spine.post('orders', JSON.stringify(ce('down-1', 'down')), {
      'content-type': 'application/cloudevents+json',
    });
    // Assess
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('2');
    const text = await refused.text();
    expect(JSON.parse(text)).toMatchObject({
      code: 'UNAVAILABLE',
      errors: [{ index: 0, message: 'not written' }],
    });
    expect(text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|stream orders/);
    expect(health.status).toBe(503);
    expect(health.headers.get('retry-after')).toBe('5');
    expect(await jsonBody(health)).toEqual({ status: 'degraded', kinesis: 'down', dynamodb: 'up' });
    expect(healthy.status).toBe(200);
    expect(retry.status).toBe(202);
    expect((await spine.readStream('orders')).filter((e) => e.id === 'down-1')).toHaveLength(1);
  });
});
