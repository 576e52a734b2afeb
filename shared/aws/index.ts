export { createDocumentClient, createDynamoClient, createKinesisClient } from './clients';
