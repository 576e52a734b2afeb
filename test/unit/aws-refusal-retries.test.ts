import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpHandler, refusalOnlyRetries } from '../../shared/aws';

type Answer = (req: IncomingMessage, res: ServerResponse) => void;

/** A local stand-in for Lambda's Invoke endpoint that answers each request with the next `answers` entry. */
const lambdaServer = async (answers: Answer[]) => {
  let requests = 0;
  const server = createServer((req, res) => {
    requests += 1;
    req.resume();
    const answer = answers[Math.min(requests, answers.length) - 1];
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

const json =
  (status: number, body: object, headers: Record<string, string> = {}): Answer =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
const ok: Answer = json(200, { done: true }, { 'x-amz-executed-version': '$LATEST' });
const throttled: Answer = json(
  429,
  { Type: 'User', message: 'Rate exceeded' },
  {
    'x-amzn-errortype': 'TooManyRequestsException',
  },
);
const serviceError: Answer = json(500, { message: 'internal' }, { 'x-amzn-errortype': 'ServiceException' });
const hang: Answer = () => {};
const dropped: Answer = (req) => req.socket.destroy();

const client = (endpoint: string, strategy: 'refusal-only' | 'sdk-default') =>
  new LambdaClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    requestHandler: createHttpHandler({ requestTimeout: 500 }),
    ...(strategy === 'refusal-only' ? { retryStrategy: refusalOnlyRetries(4, 1) } : { maxAttempts: 3 }),
  });

const invoke = (lambda: LambdaClient) =>
  lambda.send(new InvokeCommand({ FunctionName: 'consumer', Payload: Buffer.from('{}') })).then(
    (out) => out.StatusCode,
    (error: unknown) => (error as Error).name,
  );

describe('refusalOnlyRetries (deployed replay and redrive Invoke)', () => {
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const o of open.splice(0)) await o.close();
  });

  it('sends a throttled Invoke again (Lambda did not run it), up to the attempt limit', async () => {
    const twice = await lambdaServer([throttled, ok]);
    const always = await lambdaServer([throttled]);
    open.push(twice, always);

    expect(await invoke(client(twice.endpoint, 'refusal-only'))).toBe(200);
    expect(twice.requests()).toBe(2);
    expect(await invoke(client(always.endpoint, 'refusal-only'))).toBe('TooManyRequestsException');
    expect(always.requests()).toBe(4);
  });

  it.each([
    ['a timed-out Invoke', hang],
    ['a dropped connection', dropped],
    ['a 5xx', serviceError],
  ] as const)('sends %s once: the function may have run', async (_what, answer) => {
    const server = await lambdaServer([answer, ok]);
    open.push(server);

    const outcome = await invoke(client(server.endpoint, 'refusal-only'));

    expect(outcome).not.toBe(200);
    expect(server.requests()).toBe(1);
  });

  it("contrast: the SDK's default retry sends a timed-out Invoke again", async () => {
    const server = await lambdaServer([hang, ok]);
    open.push(server);

    expect(await invoke(client(server.endpoint, 'sdk-default'))).toBe(200);
    expect(server.requests()).toBe(2);
  });
});
