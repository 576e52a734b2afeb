export {
  type ClientHook,
  createDocumentClient,
  createDynamoClient,
  createKinesisClient,
  registerClientHook,
} from './clients';
