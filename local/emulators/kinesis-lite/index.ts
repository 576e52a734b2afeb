export { isKinesisApiError, KinesisApiError, type KinesisErrorType } from './errors';
export type { PageCuts, PageOptions } from './pages';
export { type MemoryKinesis, type MemoryKinesisOptions, startMemoryKinesis } from './server';
