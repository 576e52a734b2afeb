import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  GetEventSourceMappingCommand,
  InvokeCommand,
  LambdaClient,
  type LambdaClient as LambdaClientType,
} from '@aws-sdk/client-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { deployedLambdaClients, refusedInvoke } from '../../cli/lambda-clients';
import { freePort } from '../../local';
import { createHttpHandler } from '../../shared/aws';

type Answer = (req: IncomingMessage, res: ServerResponse) => void;

/** A local stand-in for Lambda's endpoint that answers the n-th request with `answers[n]` (the last one repeats). */
const lambdaServer = async (answers: Answer[]) => {
  let requests = 0;
  const server = createServer((req, res) => {
    requests += 1;
    const answer = answers[Math.min(requests, answers.length) - 1];
    req.resume();
    req.on('end', () => answer?.(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests: () => requests,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

const answer =
  (status: number, body: object, headers: Record<string, string> = {}): Answer =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
const error = (status: number, type: string, headers: Record<string, string> = {}) =>
  answer(status, { message: type }, { 'x-amzn-errortype': type, ...headers });
const ok = answer(200, { UUID: 'm', State: 'Enabled' });
const hang: Answer = () => {};
const dropped: Answer = (req) => req.socket.destroy();

const config = (endpoint: string) => ({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
});
const LIMITS = { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5 };
const clients = (endpoint: string) =>
  deployedLambdaClients(config(endpoint), { timeoutMs: 500, retry: LIMITS });

const outcome = (promise: Promise<{ $metadata: { httpStatusCode?: number } }>) =>
  promise.then(
    (out) => ({ status: out.$metadata.httpStatusCode, name: 'ok', attempts: 0 }),
    (e: { name: string; $metadata?: { attempts?: number; httpStatusCode?: number } }) => ({
      status: e.$metadata?.httpStatusCode,
      name: e.name,
      attempts: e.$metadata?.attempts ?? 0,
    }),
  );
const invoke = (client: LambdaClientType) =>
  outcome(client.send(new InvokeCommand({ FunctionName: 'consumer', Payload: Buffer.from('{}') })));
const mapping = (client: LambdaClientType) =>
  outcome(client.send(new GetEventSourceMappingCommand({ UUID: 'm' })));

describe('deployed replay/redrive Lambda clients', () => {
  const open: { close(): Promise<void> }[] = [];
  const serve = async (answers: Answer[]) => {
    const server = await lambdaServer(answers);
    open.push(server);
    return server;
  };
  afterEach(async () => {
    for (const o of open.splice(0)) await o.close();
  });

  it.each([
    ['throttled (429 TooManyRequestsException)', error(429, 'TooManyRequestsException')],
    ['throttled by EC2 at init (502)', error(502, 'EC2ThrottledException')],
    ['not ready yet (502 ResourceNotReadyException)', error(502, 'ResourceNotReadyException')],
  ])('sends an Invoke again when it was %s: the function did not run', async (_what, refusal) => {
    const server = await serve([refusal, ok]);

    expect(await invoke(clients(server.endpoint).invoke)).toMatchObject({ name: 'ok', status: 200 });
    expect(server.requests()).toBe(2);
  });

  it('sends an Invoke again after a refusal for a skewed clock (the SDK corrects its offset)', async () => {
    const skewed = new Date(Date.now() + 3_600_000).toUTCString();
    const server = await serve([error(403, 'InvalidSignatureException', { date: skewed }), ok]);

    expect(await invoke(clients(server.endpoint).invoke)).toMatchObject({ name: 'ok', status: 200 });
    expect(server.requests()).toBe(2);
  });

  it('gives up after maxAttempts refusals with the service error itself', async () => {
    const server = await serve([error(429, 'TooManyRequestsException')]);

    expect(await invoke(clients(server.endpoint).invoke)).toMatchObject({
      name: 'TooManyRequestsException',
      status: 429,
      attempts: 4,
    });
    expect(server.requests()).toBe(4);
  });

  it('turns a refused Invoke into an OpsError that says it did not run; passes any other error on', async () => {
    const refused = await serve([error(429, 'TooManyRequestsException')]);
    const failed = await serve([error(500, 'ServiceException')]);
    const send = (endpoint: string) =>
      clients(endpoint)
        .invoke.send(new InvokeCommand({ FunctionName: 'consumer' }))
        .then(
          () => undefined,
          (e: unknown) => e,
        );

    const [a, b] = [await send(refused.endpoint), await send(failed.endpoint)];

    expect(refusedInvoke(a, 'orders<-orders')?.message).toMatch(
      /orders<-orders: Lambda refused the Invoke 4 times \(TooManyRequestsException\), so these records did not run/,
    );
    expect(refusedInvoke(b, 'orders<-orders')).toBeUndefined();
  });

  it("waits for the server's Retry-After when it is longer than the backoff", async () => {
    const server = await serve([error(429, 'TooManyRequestsException', { 'retry-after': '1' }), ok]);
    const started = Date.now();

    expect(await invoke(clients(server.endpoint).invoke)).toMatchObject({ name: 'ok' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('sends an Invoke again after a refused connection (nothing was sent)', async () => {
    const port = await freePort();

    expect(await invoke(clients(`http://127.0.0.1:${port}`).invoke)).toMatchObject({ attempts: 4 });
  });

  it.each([
    ['a timed-out Invoke', hang],
    ['a dropped connection', dropped],
    ['a 500 ServiceException', error(500, 'ServiceException')],
  ])('sends %s once: the function may have run', async (_what, first) => {
    const server = await serve([first, ok]);

    expect((await invoke(clients(server.endpoint).invoke)).name).not.toBe('ok');
    expect(server.requests()).toBe(1);
  });

  it.each([
    ['a 500', error(500, 'ServiceException')],
    ['a dropped connection', dropped],
  ])(
    'retries event source mapping calls after %s (safe to repeat: a failed resume must not stay paused)',
    async (_what, first) => {
      const server = await serve([first, ok]);

      expect(await mapping(clients(server.endpoint).control)).toMatchObject({ name: 'ok', status: 200 });
      expect(server.requests()).toBe(2);
    },
  );

  it("contrast: the SDK's default retry sends a timed-out Invoke again", async () => {
    const server = await serve([hang, ok]);
    const sdkDefault = new LambdaClient({
      ...config(server.endpoint),
      requestHandler: createHttpHandler({ requestTimeout: 500 }),
    });

    expect(await invoke(sdkDefault)).toMatchObject({ name: 'ok' });
    expect(server.requests()).toBe(2);
  });
});
