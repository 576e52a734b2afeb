import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-kinesis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type Backbone,
  freePort,
  homePaths,
  isPortInUseError,
  type LocalHttpEvent,
  localClientConfig,
  readEndpointsFile,
  silentLogger,
  startBackbone,
} from '../../local';
import { kinesisAt, putJson, ROOT, removeTempHomes, tempHome, waitFor } from '../fixtures/local/helpers';
import { lifecycleCatalog } from '../fixtures/local/run-backbone';

const pidFile = z.object({ emulators: z.array(z.object({ name: z.string(), pid: z.number() })) });
const emulatorPids = (home: string): number[] =>
  pidFile.parse(JSON.parse(readFileSync(homePaths(home).pids, 'utf8'))).emulators.map((e) => e.pid);

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const seen: LocalHttpEvent[] = [];
const start = (home: string, ports: { ingress?: number; kinesis?: number; dynamodb?: number } = {}) =>
  startBackbone({
    catalog: lifecycleCatalog,
    root: ROOT,
    home,
    ports: { ingress: 0, kinesis: 0, dynamodb: 0, ...ports },
    log: silentLogger,
    ingressHandler: async (event) => {
      seen.push(event);
      return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"status":"ok"}' };
    },
  });

describe('local backbone lifecycle', () => {
  const running: Backbone[] = [];
  afterEach(async () => {
    for (const backbone of running.splice(0)) await backbone.stop();
  });
  afterAll(() => removeTempHomes());

  it('serves /health through the ingress handler and stops leaving no emulator behind', async () => {
    // Prepare
    const home = tempHome();
    const startedAt = Date.now();
    const backbone = await start(home);
    const startMs = Date.now() - startedAt;
    const pids = emulatorPids(home);
    expect(pids.length).toBe(2);
    expect(pids.every(alive)).toBe(true);
    // Act
    const response = await fetch(`${backbone.endpoints.ingress}/health`);
    const stopAt = Date.now();
    await backbone.stop();
    const stopMs = Date.now() - stopAt;
    // Assess
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
    expect(seen.at(-1)?.routeKey).toBe('GET /health');
    expect(pids.filter(alive)).toEqual([]);
    expect(() => readFileSync(homePaths(home).pids)).toThrow();
    console.log(`local backbone: ready in ${startMs} ms, stopped in ${stopMs} ms`);
  });

  it('keeps records, tables and dev tokens across a stop and start', async () => {
    // Prepare
    const home = tempHome();
    const first = await start(home);
    const put = await putJson(kinesisAt(first.endpoints.kinesis), 'life-events', [{ id: 'kept' }]);
    const item = { pk: { S: 'thing-1' }, value: { S: 'persisted' } };
    const dynamo = (endpoint: string) => new DynamoDBClient(localClientConfig(endpoint));
    await dynamo(first.endpoints.dynamodb).send(
      new PutItemCommand({ TableName: 'spine-life-svc-things', Item: item }),
    );
    const tokens = first.producers;
    // Act: stop right after the write, inside kinesis-mock's persist interval.
    await first.stop();
    const second = await start(home);
    running.push(second);
    // Assess
    const kinesis = kinesisAt(second.endpoints.kinesis);
    const iterator = await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: 'life-events',
        ShardId: put[0]?.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const records = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator.ShardIterator }));
    expect(records.Records?.map((r) => r.SequenceNumber)).toEqual([put[0]?.SequenceNumber]);
    const got = await dynamo(second.endpoints.dynamodb).send(
      new GetItemCommand({ TableName: 'spine-life-svc-things', Key: { pk: { S: 'thing-1' } } }),
    );
    expect(got.Item).toEqual(item);
    expect(second.producers).toEqual(tokens);
    expect(readEndpointsFile(home)?.producers).toEqual(tokens);
  });

  it('refuses a taken port with a typed error that says what to do', async () => {
    // Prepare
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    // Act
    const failure = await start(tempHome(), { ingress: port }).catch((error: unknown) => error);
    blocker.close();
    // Assess
    expect(isPortInUseError(failure)).toBe(true);
    expect(String((failure as Error).message)).toContain(`Port ${port} (ingress)`);
    expect(String((failure as Error).message)).toContain('SPINE_PORT=');
  });

  it('after a run that did not stop cleanly, waits for a configured port its emulator is still releasing', async () => {
    // Prepare: the pid file a SIGKILLed runtime leaves, whose processes are gone, and DynamoDB Local's
    // port still held, as an exiting JVM holds it after its command line is gone (stop 28's CI failure)
    const home = tempHome();
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => gone.once('exit', resolve));
    const dead = gone.pid ?? 0;
    writeFileSync(
      homePaths(home).pids,
      JSON.stringify({ runtimePid: dead, emulators: [{ name: 'DynamoDB Local', pid: dead }] }),
    );
    const port = await freePort();
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(port, resolve));
    setTimeout(() => holder.close(), 2_000);
    // Act
    const backbone = await start(home, { dynamodb: port });
    running.push(backbone);
    // Assess
    expect(backbone.endpoints.dynamodb).toBe(`http://127.0.0.1:${port}`);
  });

  it('leaves no emulator of a SIGKILLed runtime running, and starts again on the same data dir', async () => {
    // Prepare
    const home = tempHome();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'test/fixtures/local/run-backbone.ts'), home],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    // A start's limit as the e2e helpers give it (110 s): 60 s was within reach of a loaded machine,
    // where DynamoDB Local alone once took 42 s to answer its first call.
    await waitFor('child backbone ready', () => output.includes('ready'), 110_000);
    const orphans = emulatorPids(home);
    // Act: the emulators notice on their own (their stdin pipe from the runtime closes: the leash)
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    await waitFor('the emulators to follow the runtime', () => orphans.every((pid) => !alive(pid)), 10_000);
    const backbone = await start(home);
    running.push(backbone);
    // Assess
    expect(orphans.filter(alive)).toEqual([]);
    expect(emulatorPids(home).some((pid) => orphans.includes(pid))).toBe(false);
  });
});
