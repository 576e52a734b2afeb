import { readdirSync, readFileSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { join, relative, sep } from 'node:path';
import { KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpHandler } from '../../shared/aws';

/** A server that accepts connections and never answers: an emulator still starting, or a stuck one. */
const silentServer = async () => {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

const clientWith = (endpoint: string, requestHandler: NodeHttpHandler) =>
  new KinesisClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    requestHandler,
    maxAttempts: 1,
  });

describe('createHttpHandler', () => {
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const o of open.splice(0)) await o.close();
  });

  it('fails a request that never answers once its request timeout passes', async () => {
    // Prepare
    const server = await silentServer();
    open.push(server);
    const client = clientWith(server.endpoint, createHttpHandler({ requestTimeout: 300 }));
    const began = Date.now();

    // Act
    const error = await client.send(new ListStreamsCommand({})).catch((e: unknown) => e);

    // Assess: an error well before the test's own budget, naming the timeout.
    client.destroy();
    expect(error).toBeInstanceOf(Error);
    expect(String((error as Error).message)).toMatch(/requestTimeout/);
    expect(Date.now() - began).toBeLessThan(60_000);
  });

  it('keeps its default request timeout when given 0 or undefined (the SDK reads both as none)', async () => {
    // Prepare
    const server = await silentServer();
    open.push(server);
    const clients = [0, undefined].map((requestTimeout) =>
      clientWith(server.endpoint, createHttpHandler({ requestTimeout })),
    );

    // Act
    const errors = await Promise.all(
      clients.map((client) => client.send(new ListStreamsCommand({})).catch((e: unknown) => e)),
    );

    // Assess: both fail at the 10 s default instead of waiting for good.
    for (const client of clients) client.destroy();
    for (const error of errors) expect(String((error as Error).message)).toMatch(/10000 ms requestTimeout/);
  });

  it('is needed: the SDK handler given the same timeout only warns and keeps waiting', async () => {
    // Prepare
    const server = await silentServer();
    open.push(server);
    const warnings: unknown[] = [];
    const handler = new NodeHttpHandler({
      requestTimeout: 300,
      logger: { ...console, warn: (m) => warnings.push(m) },
    });
    const client = clientWith(server.endpoint, handler);
    let settled = false;

    // Act
    void client
      .send(new ListStreamsCommand({}))
      .catch(() => {})
      .finally(() => {
        settled = true;
      });
    await expect.poll(() => warnings.length, { timeout: 60_000 }).toBeGreaterThan(0);

    // Assess: the timeout passed (the warning says so) and the call is still pending.
    expect(settled).toBe(false);
    client.destroy();
  });
});

/** Every .ts file under `dir`, node_modules and build output aside. */
const sources = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (['node_modules', 'dist', 'cdk.out', '.spine'].includes(name) || name.startsWith('.')) return [];
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });

/** The argument text of each `new <X>Client(` call in `text`, parentheses balanced. */
const clientConstructions = (text: string): string[] => {
  const found: string[] = [];
  for (const match of text.matchAll(/new (\w+Client)\(/g)) {
    let depth = 1;
    let i = (match.index ?? 0) + match[0].length;
    const start = i;
    for (; i < text.length && depth > 0; i++) depth += text[i] === '(' ? 1 : text[i] === ')' ? -1 : 0;
    found.push(`${match[1]}(${text.slice(start, i)}`);
  }
  return found;
};

describe('HTTP handlers across the repository', () => {
  const root = join(import.meta.dirname, '..', '..');
  const files = ['shared', 'functions', 'infra', 'local', 'cli', 'scripts', 'example', 'test', 'bench']
    .map((dir) => join(root, dir))
    .flatMap((dir) => (statSync(dir, { throwIfNoEntry: false })?.isDirectory() ? sources(dir) : []));

  it('builds every NodeHttpHandler through createHttpHandler', () => {
    // Act
    const direct = files
      .filter(
        (file) =>
          !file.endsWith(join('shared', 'aws', 'http.ts')) && !file.endsWith('aws-http-handler.test.ts'),
      )
      .filter((file) => /new NodeHttpHandler\(/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(root, file));

    // Assess
    expect(files.length).toBeGreaterThan(100);
    expect(direct).toEqual([]);
  });

  it('gives every client of an explicit endpoint a handler that times out', () => {
    // Act: a client given an endpoint (an emulator, a relay) and no handler gets the SDK's default,
    // which has no request timeout at all.
    const bare = files
      .filter((file) => !file.endsWith('aws-http-handler.test.ts'))
      .flatMap((file) =>
        clientConstructions(readFileSync(file, 'utf8'))
          .filter((call) => /\bendpoint\b/.test(call))
          .filter((call) => !/requestHandler|localClientConfig|emulatorClient|\.\.\.http\(\)/.test(call))
          .map((call) => `${relative(root, file)}: ${call.replace(/\s+/g, ' ').slice(0, 100)}`),
      );

    // Assess
    expect(bare).toEqual([]);
  });

  it("gives every client Spine's own code builds (tests and bench aside) a handler that times out", () => {
    // Act: Spine's clients of real AWS too (the CLI's deployed mode): the SDK's default has no
    // request timeout, so a request AWS never answers would hang the command.
    const own = ['shared', 'functions', 'infra', 'local', 'cli', 'scripts', 'example'].map((dir) =>
      join(root, dir),
    );
    const bare = files
      .filter((file) => own.some((dir) => file.startsWith(dir + sep)))
      .flatMap((file) =>
        clientConstructions(readFileSync(file, 'utf8'))
          .filter((call) => !/requestHandler|localClientConfig/.test(call))
          .map((call) => `${relative(root, file)}: ${call.replace(/\s+/g, ' ').slice(0, 100)}`),
      );

    // Assess
    expect(bare).toEqual([]);
  });
});
