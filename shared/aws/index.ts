export {
  type ClientHook,
  createDocumentClient,
  createDynamoClient,
  createKinesisClient,
  registerClientHook,
} from './clients';
export { listShards } from './shards';
