export { HandlerUsageError, LookupCache } from './context';
export {
  type ConsumerDefinition,
  type ConsumerOptions,
  defineConsumer,
  type KinesisHandler,
  type SessionOptions,
} from './define';
export { createDynamoStore, type DynamoStoreOptions } from './dynamo-store';
export {
  CheckpointConflictError,
  isCheckpointConflictError,
  isPoisonRecordError,
  PoisonRecordError,
  UnknownTableError,
} from './errors';
export { createKinesisPublisher } from './kinesis-publisher';
export { MemoryConsumerStore } from './memory-store';
export { buildEmitted, EmitRejectedError, type OutboxEntry, outboxPk } from './outbox';
export { type BatchDeps, LOG_MESSAGES, type Log, processBatch } from './process-batch';
export { type EventPublisher, MemoryPublisher, OutboxPublishError } from './publisher';
export { recoverOutbox } from './recovery';
export type { Checkpoint, Commit, ConsumerStore, FailureRecord, ParkedEvent, ShardPosition } from './store';
export { type CheckpointMove, checkpointKey, compareSequence, keyMarkerSk } from './store';
export type {
  ConsumedEvent,
  EmitOptions,
  EventHandler,
  HandlerContext,
  ItemCondition,
  ItemUpdate,
  StateItem,
  StateWrite,
} from './types';
