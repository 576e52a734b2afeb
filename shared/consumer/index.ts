export { HandlerUsageError } from './context';
export { type ConsumerDefinition, type ConsumerOptions, defineConsumer, type KinesisHandler } from './define';
export { createDynamoStore, type DynamoStoreOptions } from './dynamo-store';
export {
  CheckpointConflictError,
  isCheckpointConflictError,
  isPoisonRecordError,
  PoisonRecordError,
  UnknownTableError,
} from './errors';
export { MemoryConsumerStore } from './memory-store';
export { type BatchDeps, processBatch } from './process-batch';
export type { Checkpoint, Commit, ConsumerStore, FailureRecord, ParkedEvent, ShardPosition } from './store';
export { compareSequence } from './store';
export type {
  ConsumedEvent,
  EventHandler,
  HandlerContext,
  ItemCondition,
  ItemUpdate,
  StateItem,
  StateWrite,
} from './types';
