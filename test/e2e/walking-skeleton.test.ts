import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, eventually, LocalSpine, readStream } from './helpers/local-process';

const order = (orderId: string) => ({
  type: 'OrderRequested',
  data: { orderId, customerId: 'c-1', currency: 'EUR', items: [{ sku: 'tea', quantity: 2, unitPrice: 3.5 }] },
});

const publish = async (spine: LocalSpine, body: unknown) => {
  const endpoints = await spine.endpoints();
  const token = endpoints.producers.storefront;
  return fetch(`${endpoints.ingress}/topics/orders/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
};

const readOrder = async (spine: LocalSpine, orderId: string) => {
  const out = await spine
    .documentClient()
    .send(new GetCommand({ TableName: 'spine-orders-orders', Key: { pk: orderId } }));
  return out.Item;
};

const childPids = async (home: string): Promise<number[]> => {
  const text = await readFile(join(home, 'pids.json'), 'utf8').catch(() => '{}');
  const parsed: unknown = JSON.parse(text);
  const pids: number[] = [];
  const walk = (value: unknown) => {
    if (typeof value === 'number') pids.push(value);
    else if (value && typeof value === 'object') for (const v of Object.values(value)) walk(v);
  };
  walk(parsed);
  return pids;
};

describe('local backbone (npm start) end to end', () => {
  let home: string;
  let spine: LocalSpine;
  let readyMs = 0;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'spine-e2e-'));
    spine = await LocalSpine.create(home);
    readyMs = await spine.start();
  });

  afterAll(async () => {
    await spine?.stop();
    await rm(home, { recursive: true, force: true });
  });

  // Ready takes about 10 s on quiet cores; the limits guard against a hang, not a slow machine. At
  // load 14 (four other test runs) ready plus the first healthy probe took 33 s, and once over 60 s.
  it('reaches ready in under 120 s and reports Kinesis and DynamoDB healthy', async () => {
    const endpoints = await spine.endpoints();
    // Each probe has 2 s (as on AWS) and a down answer is cached 5 s with retry-after: a loaded machine
    // can answer 503 just after ready, so the test retries as a load balancer would, within 120 s.
    const health = await eventually(
      async () => {
        const response = await fetch(`${endpoints.ingress}/health`);
        return response.status === 200 ? ((await response.json()) as unknown) : undefined;
      },
      120_000,
      1_000,
    );

    console.log(`[walking-skeleton] ready in ${readyMs} ms`);
    expect(readyMs).toBeLessThan(120_000);
    expect(health).toMatchObject({ kinesis: 'up', dynamodb: 'up' });
  });

  it('answers 202 and the orders service applies the event', async () => {
    const response = await publish(spine, order('o-e2e-1'));
    const acknowledged = Date.now();

    const body = (await response.json()) as { results: { id: string; sequenceNumber: string }[] };
    expect(response.status).toBe(202);
    expect(body.results[0]?.sequenceNumber).toMatch(/^\d+$/);
    // A wait on the outcome, not a latency gate: on a loaded machine (a second suite beside it) the
    // apply took over 5 s. The latency is printed; `npm run bench` measures it properly.
    const item = await eventually(() => readOrder(spine, 'o-e2e-1'), 60_000);
    console.log(`[walking-skeleton] applied ${Date.now() - acknowledged} ms after the 202`);
    // The orders service has applied it: the order exists in its state (the workflow then moves it on).
    expect(item).toMatchObject({ pk: 'o-e2e-1', customerId: 'c-1' });
    expect(typeof item?.status).toBe('string');
  });

  it('stops without leaving a process behind and keeps events and state across a restart', async () => {
    const published = await publish(spine, order('o-e2e-2'));
    expect(published.status).toBe(202);
    const acked = ((await published.json()) as { results: { id: string }[] }).results[0]?.id;
    expect(await eventually(() => readOrder(spine, 'o-e2e-2'), 60_000)).toBeDefined();
    const pids = await childPids(home);
    expect(pids.length).toBeGreaterThanOrEqual(2);

    const code = await spine.stop();
    // The emulators exit on their own watchdogs after npm does: wait for that, within the 10 s local
    // mode promises (a fixed 500 ms was a race with a loaded machine).
    const left = await eventually(async () => (pids.some(alive) ? undefined : []), 10_000);

    expect(code).toBe(0);
    expect(left ?? pids.filter(alive)).toEqual([]);

    await spine.start();
    expect(await readOrder(spine, 'o-e2e-1')).toMatchObject({ pk: 'o-e2e-1', customerId: 'c-1' });
    const ids = (await readStream(spine, 'orders')).map((e) => e.id);
    expect(ids).toContain(acked);
    const after = await publish(spine, order('o-e2e-3'));
    expect(after.status).toBe(202);
    // A restarted runtime's first delivery can take tens of seconds under load (the others wait 60 s).
    expect(await eventually(() => readOrder(spine, 'o-e2e-3'), 60_000)).toMatchObject({ pk: 'o-e2e-3' });
  });
});
