import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  EmulatorPortTakenError,
  type LocalLogger,
  localClientConfig,
  startDynamo,
  startKinesis,
} from '../../../local';
import { isAlive } from '../../../local/emulators/pids';
import { PICK_RANGE } from '../../../local/ports';

/**
 * The race these tests play: a port is picked (free at that moment), then another process binds it
 * before the emulator does. `freePort` is made to hand out a port a foreign server already holds, which
 * is exactly what the emulator meets after losing that race. Two fresh-clone suites side by side lost
 * runs to it: kinesis-mock found its picked port held by the other suite's DynamoDB Local (Jetty's
 * 400 InvalidAction answered its probe), and a DynamoDB Local its port held by another JVM.
 */
const handedOut: number[] = [];
vi.mock('../../../local/ports', async (original) => {
  const real = await original<typeof import('../../../local/ports')>();
  return {
    ...real,
    freePort: async (avoid: readonly number[] = []) => handedOut.shift() ?? real.freePort(avoid),
  };
});

/** A foreign HTTP server on a port: answers every request with `status` and `body`, and counts them. */
const foreign = async (
  status: number,
  body: object,
): Promise<{ server: Server; port: number; seen: string[] }> => {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(String(req.headers['x-amz-target']));
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no address');
  return { server, port: address.port, seen };
};

const recording = (): LocalLogger & { warnings: string[] } => {
  const warnings: string[] = [];
  return { warnings, info: () => {}, error: () => {}, warn: (message) => warnings.push(message) };
};

describe('emulators on picked ports that another process takes first', () => {
  const work = mkdtempSync(join(tmpdir(), 'spine-ports-'));
  const cleanup: (() => Promise<void>)[] = [];
  beforeEach(() => {
    handedOut.length = 0;
  });
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => {});
    rmSync(work, { recursive: true, force: true });
  });

  it('moves DynamoDB Local to new ports when its pick is held by a server that answers like DynamoDB', async () => {
    // Prepare
    const held = await foreign(200, { TableNames: [] });
    cleanup.push(async () => void held.server.close());
    handedOut.push(held.port);
    const log = recording();

    // Act
    const dynamo = await startDynamo({
      dataDir: join(work, 'd1'),
      port: 0,
      logFile: join(work, 'd1.log'),
      log,
      inMemory: true,
      timeoutMs: 120_000,
    });
    cleanup.push(dynamo.stop);

    // Assert: it serves on a new port, and what it creates is its own, not the foreign server's.
    expect(dynamo.port).not.toBe(held.port);
    expect(dynamo.port).toBeGreaterThanOrEqual(PICK_RANGE.low);
    expect(log.warnings.join('\n')).toContain(`port ${held.port} was taken`);
    const client = new DynamoDBClient(localClientConfig(`http://127.0.0.1:${dynamo.port}`));
    cleanup.push(async () => client.destroy());
    await client.send(
      new CreateTableCommand({
        TableName: 'mine',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    expect((await client.send(new ListTablesCommand({}))).TableNames).toEqual(['mine']);
    expect(held.seen).not.toContain('DynamoDB_20120810.CreateTable');
  }, 240_000);

  it.each([
    { emulator: 'kinesis-mock', process: 'kinesis-mock' },
    { emulator: 'lite', process: 'kinesis-lite' },
  ] as const)(
    "moves $process when its internal port is held by another emulator's server (InvalidAction)",
    async ({ emulator, process: name }) => {
      // Prepare
      const held = await foreign(400, { __type: 'com.amazonaws.dynamodb.v20120810#InvalidAction' });
      cleanup.push(async () => void held.server.close());
      handedOut.push(held.port);
      const log = recording();

      // Act
      const kinesis = await startKinesis({
        emulator,
        dataDir: join(work, `k1-${emulator}`),
        port: 0,
        homeMarker: `--spine-test=${work}`,
        logFile: join(work, 'k1.log'),
        log,
        persist: false,
        timeoutMs: 120_000,
      });
      cleanup.push(kinesis.stop);

      // Assert
      expect(log.warnings.join('\n')).toMatch(new RegExp(`${name}: port ${held.port} was taken`));
      const client = new KinesisClient(localClientConfig(`http://127.0.0.1:${kinesis.port}`));
      cleanup.push(async () => client.destroy());
      expect((await client.send(new ListStreamsCommand({}))).StreamNames).toEqual([]);
    },
    240_000,
  );

  it('refuses a configured port that another process answers on, and leaves nothing running', async () => {
    // Prepare
    const held = await foreign(200, { TableNames: [] });
    cleanup.push(async () => void held.server.close());
    let pid = 0;

    // Act
    const start = startDynamo({
      dataDir: join(work, 'd2'),
      port: held.port,
      logFile: join(work, 'd2.log'),
      log: recording(),
      inMemory: true,
      timeoutMs: 120_000,
      onSpawn: (emulator) => {
        pid = emulator.pid;
      },
    });

    // Assert
    const error = await start.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EmulatorPortTakenError);
    expect(String(error)).toContain(`port ${held.port}`);
    expect(pid).toBeGreaterThan(0);
    expect(isAlive(pid)).toBe(false);
  }, 240_000);
});
