export { Backoff } from './backoff';
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
  EventTooLargeError,
  HandlerOverranError,
  InvocationDiedError,
  isCheckpointConflictError,
  isEventTooLargeError,
  isHandlerOverranError,
  isInvocationDiedError,
  isPoisonRecordError,
  PoisonRecordError,
  UnknownTableError,
} from './errors';
export { classifyFailure, type FailureKind, StoreUnavailableError } from './failures';
export { createKinesisPublisher } from './kinesis-publisher';
export { MemoryConsumerStore } from './memory-store';
export { buildEmitted, EmitRejectedError, type OutboxEntry, outboxPk } from './outbox';
export { PARKED_INLINE_CHARS, parkedChunkPk } from './parked-items';
export { type BatchDeps, LOG_MESSAGES, type Log, processBatch } from './process-batch';
export { type EventPublisher, MemoryPublisher, OutboxPublishError } from './publisher';
export { recoverOutbox } from './recovery';
export type {
  AttemptStart,
  Checkpoint,
  Commit,
  ConsumerStore,
  FailureRecord,
  ParkedEvent,
  ShardPosition,
} from './store';
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
