export {
  type ClientHook,
  createDocumentClient,
  createDynamoClient,
  createKinesisClient,
  KINESIS_CLIENT_SETTINGS,
  registerClientHook,
  withoutSdkLogging,
} from './clients';
export { createHttpHandler, HTTP_TIMEOUTS, type HttpTimeouts } from './http';
export { certainlyNotRun, REFUSAL_RETRY, type RetryLimits, refusalOnlyRetries } from './retries';
export { listShards } from './shards';
