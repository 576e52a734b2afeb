export { type ServiceTest, type TestServiceOptions, testService } from './harness';
export type { EmittedEvent, TestEventOf, WhenResult } from './types';
