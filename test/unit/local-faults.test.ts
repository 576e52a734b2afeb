import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { FaultInjector, InjectedFaultError, readFaultConfig } from '../../local/faults';
import { lambdaContext } from '../fixtures/apigw';

describe('fault injection config (SPINE_FAULTS)', () => {
  it('is off when unset', () => {
    expect(readFaultConfig({})).toBeUndefined();
  });

  it('names the wrong setting and what is allowed', () => {
    expect(() => readFaultConfig({ SPINE_FAULTS: '{"handler":{"crashBefore":2}}' })).toThrow(
      /SPINE_FAULTS is invalid: handler\.crashBefore: Too big: expected number to be <=1/,
    );
    expect(() => readFaultConfig({ SPINE_FAULTS: '{"disk":{"full":1}}' })).toThrow(
      /Unrecognized key: "disk"/,
    );
    expect(() => readFaultConfig({ SPINE_FAULTS: 'yes' })).toThrow(/not JSON/);
  });
});

describe('FaultInjector', () => {
  it('throttles DynamoDB calls inside the SDK retry loop, so the SDK retries them', async () => {
    const injector = new FaultInjector({ seed: 1, dynamodb: { throttle: 1 } });
    const client = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      maxAttempts: 3,
    });
    injector.instrumentClient(client, 'dynamodb');

    const error = await client.send(new ListTablesCommand({})).catch((e: unknown) => e);

    expect((error as Error).name).toBe('ProvisionedThroughputExceededException');
    expect((error as { $metadata: { attempts: number } }).$metadata.attempts).toBe(3);
    expect(injector.counts['dynamodb.throttle']).toBe(3);
  });

  it('crashes a handler before or after it ran, with the configured probability', async () => {
    let ran = 0;
    const handler = async () => {
      ran += 1;
      return { batchItemFailures: [] };
    };
    const before = new FaultInjector({ seed: 3, handler: { crashBefore: 1 } }).wrapHandler(handler);
    const after = new FaultInjector({ seed: 3, handler: { crashAfter: 1 } }).wrapHandler(handler);
    const never = new FaultInjector({ seed: 3, handler: { crashBefore: 0 } }).wrapHandler(handler);

    await expect(before({ Records: [] }, lambdaContext())).rejects.toBeInstanceOf(InjectedFaultError);
    expect(ran).toBe(0);
    await expect(after({ Records: [] }, lambdaContext())).rejects.toThrow(/handler\.crashAfter/);
    expect(ran).toBe(1);
    await expect(never({ Records: [] }, lambdaContext())).resolves.toEqual({ batchItemFailures: [] });
  });

  it('fires about as often as configured', () => {
    const injector = new FaultInjector({ seed: 42, kinesis: { putThrottle: 0.1 } });
    const client = { middlewareStack: { add: () => {} } };
    injector.instrumentClient(client as never, 'kinesis');
    const fire = (injector as unknown as { fire: (k: string, p: number) => boolean }).fire.bind(injector);

    const fired = Array.from({ length: 10_000 }, () => fire('kinesis.putThrottle', 0.1)).filter(
      Boolean,
    ).length;

    expect(fired).toBeGreaterThan(850);
    expect(fired).toBeLessThan(1150);
  });
});
