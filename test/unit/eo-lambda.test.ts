import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { FaultCounts } from '../../local/faults';
import {
  type Container,
  DyingHttpHandler,
  InvocationFailedError,
  lambdaService,
} from '../integration/consumer/exactly-once/lambda';

const event = { Records: [] };

/** A container whose handler takes `ms` and records that it finished. */
const slowContainers = (ms: number, finished: number[]) => {
  let made = 0;
  return () => {
    const id = ++made;
    const container: Container = {
      transport: new DyingHttpHandler(),
      race: {},
      firstUnapplied: async () => undefined,
      handler: async () => {
        await sleep(ms);
        finished.push(id);
        return { batchItemFailures: [] };
      },
      destroy: () => {},
    };
    return container;
  };
};

describe('lambdaService (the property test model of Lambda)', () => {
  it('fails a timed-out invocation while it runs on, and gives the retry a fresh container', async () => {
    const finished: number[] = [];
    const counts = new FaultCounts();
    const lambda = lambdaService({
      newContainer: slowContainers(150, finished),
      rates: { timeout: 1, death: 0, duplicate: 0 },
      random: () => 0,
      counts,
    });

    const first = await lambda.invoke(event).catch((e: unknown) => e);
    lambda.quiesce();
    await lambda.invoke(event);
    await lambda.drain(2_000);

    expect(first).toBeInstanceOf(InvocationFailedError);
    expect(finished.sort()).toEqual([1, 2]);
    expect(counts.get('invocation.timeout')).toBe(1);
  });

  it('never answers once a container died, and reports the invocation failed', async () => {
    const transport = new DyingHttpHandler();
    transport.dieAt = { request: 1, after: false };
    const request: Parameters<DyingHttpHandler['handle']>[0] = {
      method: 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 9,
      path: '/',
      query: {},
      headers: {},
      clone: () => request,
    };

    const answer = await Promise.race([
      transport.handle(request).then(() => 'answered'),
      sleep(200, 'silent'),
    ]);
    const died = await Promise.race([transport.died.then(() => 'died'), sleep(50, 'alive')]);

    expect(answer).toBe('silent');
    expect(died).toBe('died');
  });
});
