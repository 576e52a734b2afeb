import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createHttpHandler } from './http';
import { KinesisProtocol } from './put-records-body';

/**
 * Called on every client these factories create. Local mode's test-only fault injection
 * (`SPINE_FAULTS`) registers one; nothing registers one on Lambda.
 */
export type ClientHook = (client: KinesisClient | DynamoDBClient, service: 'kinesis' | 'dynamodb') => void;
const hooks: ClientHook[] = [];
/** Registers a hook for clients created from now on; returns a function that removes it. */
export const registerClientHook = (hook: ClientHook): (() => void) => {
  hooks.push(hook);
  return () => {
    const i = hooks.indexOf(hook);
    if (i >= 0) hooks.splice(i, 1);
  };
};

/**
 * Takes the SDK's logger middleware off a client. Spine configures no SDK logger, so the SDK's no-op
 * logger logs nothing, yet the middleware still walks every call's whole input and output through their
 * schemas to mask sensitive members, building copies of both (every record of a PutRecords, every
 * statement of a claim batch) only to hand them to that no-op. In the ingress benchmark that was about
 * 3% of the CPU of a request (docs/performance.md, "Ingress CPU"). Errors still reach the caller as
 * before; only the no-op log call goes.
 */
export const withoutSdkLogging = <C extends KinesisClient | DynamoDBClient>(client: C): C => {
  client.middlewareStack.remove('loggerMiddleware');
  return client;
};

export interface KinesisClientOptions {
  /**
   * SDK attempts per call, the first included. Reads keep the SDK default (3): re-reading is harmless.
   * A PutRecords the SDK re-sends after a lost answer lands twice unmarked, so the ingress writer sends
   * each call once whatever this says (`sendPutRecordsOnce`) and owns every retry. @default 3
   */
  readonly maxAttempts?: number;
}

/**
 * Client factories. Endpoints come from the SDK's standard `AWS_ENDPOINT_URL_KINESIS` /
 * `AWS_ENDPOINT_URL_DYNAMODB` variables, which local mode sets; on Lambda they are unset.
 * Both use `createHttpHandler` (HTTP/1.1; kinesis-mock does not speak the SDK's HTTP/2 path): a request
 * that has not answered within 10 s fails and is retried instead of hanging.
 */
/**
 * What every Kinesis client `createKinesisClient` makes is built with besides its handler and
 * retries: Kinesis's protocol with PutRecords bodies written directly (`KinesisProtocol`). Run 2a's
 * clients are built from it too.
 */
export const KINESIS_CLIENT_SETTINGS = { protocol: KinesisProtocol } as const;

export const createKinesisClient = (options: KinesisClientOptions = {}): KinesisClient => {
  const client = new KinesisClient({
    ...KINESIS_CLIENT_SETTINGS,
    requestHandler: createHttpHandler(),
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
  });
  withoutSdkLogging(client);
  for (const hook of hooks) hook(client, 'kinesis');
  return client;
};

export const createDynamoClient = (): DynamoDBClient => {
  const client = new DynamoDBClient({
    requestHandler: createHttpHandler(),
  });
  withoutSdkLogging(client);
  for (const hook of hooks) hook(client, 'dynamodb');
  return client;
};

export const createDocumentClient = (client: DynamoDBClient = createDynamoClient()): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
