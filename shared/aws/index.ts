export {
  type ClientHook,
  createDocumentClient,
  createDynamoClient,
  createKinesisClient,
  registerClientHook,
  withoutSdkLogging,
} from './clients';
export { createHttpHandler, HTTP_TIMEOUTS, type HttpTimeouts } from './http';
export { listShards } from './shards';
