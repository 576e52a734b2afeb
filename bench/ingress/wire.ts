import { fork, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import {
  createHttpHandler,
  HTTP_TIMEOUTS,
  KINESIS_CLIENT_SETTINGS,
  withoutSdkLogging,
} from '../../shared/aws';
import {
  type Answer,
  clearCounts,
  countRecord,
  DYNAMODB_CONTENT_TYPE,
  dynamoAnswer,
  KINESIS_CONTENT_TYPE,
  kinesisAnswer,
  newCounts,
  sequencer,
  type WireCounts,
} from './wire-answers';

export { clearCounts, type WireCounts } from './wire-answers';

/**
 * Kinesis and DynamoDB for run 2a, two ways:
 * - over a socket (`startWireServer`, the default): a TLS server in a process of its own answers every
 *   call, so the measured process pays what a Lambda pays per call (serialize, sign, the HTTP client,
 *   TLS, parse the answer) and not the server's work;
 * - in process (`fakeKinesis`/`fakeDynamo`, `--wire in-process`, how 2a measured until 2026-11-28):
 *   a request handler in place of the HTTP client. The SDK still serializes, signs and parses, but the
 *   HTTP client and TLS are skipped, and the fake's own parsing of each body and building of each
 *   answer (the server's work) is counted in the measured CPU.
 * Both answer as bench/ingress/wire-answers.ts says.
 */
const textOf = (body: unknown): string =>
  typeof body === 'string' ? body : body instanceof Uint8Array ? new TextDecoder().decode(body) : '';

const fakeHandler = (contentType: string, answer: Answer) => ({
  metadata: { handlerProtocol: 'http/1.1' },
  async handle(request: { headers: Record<string, string>; body?: unknown }) {
    const op = (request.headers['x-amz-target'] ?? '').split('.')[1] ?? 'Unknown';
    const text = textOf(request.body);
    const parsed: unknown = text ? JSON.parse(text) : {};
    const body = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
    const payload = Buffer.from(JSON.stringify(answer(op, body) ?? {}));
    return {
      response: {
        statusCode: 200,
        reason: 'OK',
        headers: { 'content-type': contentType, 'content-length': String(payload.length) },
        body: payload,
      },
    };
  },
  updateHttpClientConfig() {},
  httpHandlerConfigs: () => ({}),
  destroy() {},
});

const CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' };

/**
 * How the client is set up: `spine` as `createKinesisClient`/`createDynamoClient` set theirs up
 * (`withoutSdkLogging`, `KINESIS_CLIENT_SETTINGS`, `createHttpHandler`); `hand-tuned` as a hand-built
 * handler's client with one change from the SDK's defaults, an HTTP/1.1 keep-alive handler (the SDK's
 * `NodeHttpHandler`, through `createHttpHandler`); `sdk-default` as `new KinesisClient({})` is. Over the
 * socket that last one is HTTP/2 with a new TLS session per call (the Kinesis client's default
 * `disableConcurrentStreams: true`, aws/aws-sdk-js-v3#8279); in process only the logger differs.
 */
export type ClientSetup = 'spine' | 'hand-tuned' | 'sdk-default';

const setUp = <C extends KinesisClient | DynamoDBClient>(client: C, setup: ClientSetup): C =>
  setup === 'spine' ? withoutSdkLogging(client) : client;

export const fakeKinesis = (
  setup: ClientSetup = 'sdk-default',
): { client: KinesisClient; counts: WireCounts } => {
  const counts = newCounts();
  const client = new KinesisClient({
    region: 'us-east-1',
    credentials: CREDENTIALS,
    requestHandler: fakeHandler(KINESIS_CONTENT_TYPE, kinesisAnswer(counts)),
    ...(setup === 'spine' && KINESIS_CLIENT_SETTINGS),
  });
  return { client: setUp(client, setup), counts };
};

/**
 * A Kinesis client whose `send` answers PutRecords itself, above the SDK: no middleware, serialization,
 * signing or parsing. What a handler spends with it is its own work, without the per-call SDK cost.
 */
export const stubbedKinesis = (): { client: KinesisClient; counts: WireCounts } => {
  const counts = newCounts();
  const next = sequencer();
  const client = new KinesisClient({ region: 'us-east-1', credentials: CREDENTIALS });
  const send = async (command: unknown) => {
    if (!(command instanceof PutRecordsCommand)) throw new Error('the stub answers PutRecords only');
    counts.calls.PutRecords = (counts.calls.PutRecords ?? 0) + 1;
    const records = command.input.Records ?? [];
    for (const r of records) countRecord(counts, r.Data, r.PartitionKey, 'bytes');
    return { $metadata: {}, FailedRecordCount: 0, Records: records.map(next) };
  };
  Object.defineProperty(client, 'send', { value: send });
  return { client, counts };
};

export const fakeDynamo = (
  setup: ClientSetup = 'sdk-default',
): { client: DynamoDBClient; counts: WireCounts } => {
  const counts = newCounts();
  const client = new DynamoDBClient({
    region: 'us-east-1',
    credentials: CREDENTIALS,
    requestHandler: fakeHandler(DYNAMODB_CONTENT_TYPE, dynamoAnswer(counts)),
  });
  return { client: setUp(client, setup), counts };
};

/**
 * The TLS wire server's certificate (self-signed for 127.0.0.1, bench only; its key is no secret). Every
 * client trusts it through `NODE_EXTRA_CA_CERTS`, which Node reads at start: the SDK's default Kinesis
 * handler (HTTP/2, a hand-built handler's) takes no CA option. `withBenchCa` restarts a bench entry
 * point with it set.
 */
export const WIRE_CA = fileURLToPath(new URL('./tls/localhost.crt', import.meta.url));

/**
 * Runs the rest of this process only with `NODE_EXTRA_CA_CERTS` naming the wire server's certificate:
 * otherwise it runs this same command again with it set, waits for it, and exits with its status.
 */
export const withBenchCa = (): void => {
  if (process.env.NODE_EXTRA_CA_CERTS === WIRE_CA) return;
  const run = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: WIRE_CA },
  });
  process.exit(run.status ?? 1);
};

type ServerCounts = Record<string, { kinesis: WireCounts; dynamodb: WireCounts }>;

export interface WireServer {
  /** `https://127.0.0.1:<port>/<path>`: each scenario's clients use their own path, counted apart. */
  readonly endpoint: (path: string) => string;
  /** Calls, records and record bytes per path since the last `reset`. */
  counts(): Promise<ServerCounts>;
  reset(): Promise<void>;
  stop(): void;
}

/** Starts bench/ingress/wire-server.ts in a process of its own (it exits with this one). */
export const startWireServer = async (): Promise<WireServer> => {
  if (process.env.NODE_EXTRA_CA_CERTS !== WIRE_CA)
    throw new Error(`the wire server needs NODE_EXTRA_CA_CERTS=${WIRE_CA} (call withBenchCa() first)`);
  const child = fork(new URL('./wire-server.ts', import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ask = <T>(message: string | undefined, pick: (reply: Record<string, unknown>) => T | undefined) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (reply: unknown) => {
        const value =
          typeof reply === 'object' && reply !== null ? pick(reply as Record<string, unknown>) : undefined;
        if (value === undefined) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(value);
      };
      const onExit = (code: number | null) =>
        reject(new Error(`wire server exited (${code}) before answering`));
      child.on('message', onMessage);
      child.once('exit', onExit);
      if (message !== undefined) child.send(message);
    });
  const port = await ask(undefined, (r) => (typeof r.port === 'number' ? r.port : undefined));
  return {
    endpoint: (path) => `https://127.0.0.1:${port}/${path}`,
    counts: () => ask('counts', (r) => r.counts as ServerCounts | undefined),
    reset: () => ask('reset', (r) => (r.reset === true ? true : undefined)).then(() => undefined),
    stop: () => child.disconnect(),
  };
};

/**
 * Spine's and the tuned hand-built clients get `createHttpHandler` (HTTP/1.1 keep-alive). The SDK-default
 * client gets what the SDK would build itself, as options, plus a request timeout so that a bench
 * server which stops answering fails the run instead of hanging it: for Kinesis an HTTP/2 handler with
 * `disableConcurrentStreams: true` (what the Kinesis client's runtime config sets), for DynamoDB an
 * HTTP/1.1 one.
 */
const socketHandler = (setup: ClientSetup, service: 'kinesis' | 'dynamodb') =>
  setup !== 'sdk-default'
    ? createHttpHandler()
    : service === 'kinesis'
      ? { disableConcurrentStreams: true, requestTimeout: HTTP_TIMEOUTS.requestTimeout }
      : { requestTimeout: HTTP_TIMEOUTS.requestTimeout };

export const socketKinesis = (server: WireServer, path: string, setup: ClientSetup): KinesisClient =>
  setUp(
    new KinesisClient({
      ...(setup === 'spine' && KINESIS_CLIENT_SETTINGS),
      endpoint: server.endpoint(path),
      region: 'us-east-1',
      credentials: CREDENTIALS,
      requestHandler: socketHandler(setup, 'kinesis'),
    }),
    setup,
  );

export const socketDynamo = (server: WireServer, path: string, setup: ClientSetup): DynamoDBClient =>
  setUp(
    new DynamoDBClient({
      endpoint: server.endpoint(path),
      region: 'us-east-1',
      credentials: CREDENTIALS,
      requestHandler: socketHandler(setup, 'dynamodb'),
    }),
    setup,
  );

/** Where run 2a's clients send their calls, and what each scenario's calls were. */
export interface Wire {
  readonly kind: 'socket' | 'in-process';
  kinesis(path: string, setup: ClientSetup): { client: KinesisClient; counts: () => Promise<WireCounts> };
  dynamo(path: string, setup: ClientSetup): { client: DynamoDBClient; counts: () => Promise<WireCounts> };
  /** Forgets every count (after the warm-up round). */
  reset(): Promise<void>;
  stop(): void;
}

export const inProcessWire = (): Wire => {
  const all: WireCounts[] = [];
  const keep = <T extends { counts: WireCounts }>(made: T) => {
    all.push(made.counts);
    return { ...made, counts: async () => made.counts };
  };
  return {
    kind: 'in-process',
    kinesis: (_path, setup) => keep(fakeKinesis(setup)),
    dynamo: (_path, setup) => keep(fakeDynamo(setup)),
    reset: async () => all.forEach(clearCounts),
    stop: () => undefined,
  };
};

export const socketWire = async (): Promise<Wire> => {
  const server = await startWireServer();
  const countsOf = (path: string, service: 'kinesis' | 'dynamodb') => async () =>
    (await server.counts())[path]?.[service] ?? newCounts();
  return {
    kind: 'socket',
    kinesis: (path, setup) => ({
      client: socketKinesis(server, path, setup),
      counts: countsOf(path, 'kinesis'),
    }),
    dynamo: (path, setup) => ({
      client: socketDynamo(server, path, setup),
      counts: countsOf(path, 'dynamodb'),
    }),
    reset: () => server.reset(),
    stop: () => server.stop(),
  };
};
