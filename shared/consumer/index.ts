export { Backoff } from './backoff';
export { HandlerUsageError, LookupCache } from './context';
export {
  COPY_LOG_MESSAGES,
  type CopyDeps,
  type CopyMemoryAccess,
  type CopyVerdict,
  classifyCopies,
  type MarkedOriginal,
} from './copies';
export {
  type CopyAnswer,
  type CopyFinder,
  type CopyQuery,
  isSameEvent,
  MemoryCopyFinder,
  type MemoryLogRecord,
} from './copy-finder';
export {
  COPY_MEMORY_CAP,
  type CopyMemory,
  memoryKey,
  OVERTAKING_WINDOW_MS,
  prune,
  remember,
} from './copy-memory';
export {
  type ConsumerDefinition,
  type ConsumerOptions,
  defineConsumer,
  type KinesisHandler,
  type SessionOptions,
} from './define';
export { createDynamoStore, type DynamoStoreOptions } from './dynamo-store';
export {
  AlreadyAppliedError,
  CheckpointConflictError,
  EventTooLargeError,
  HandlerOverranError,
  InvalidStateOpError,
  InvocationDiedError,
  isAlreadyAppliedError,
  isCheckpointConflictError,
  isEventTooLargeError,
  isHandlerOverranError,
  isInvalidStateOpError,
  isInvocationDiedError,
  isOutboxRecoveryDeferredError,
  isPoisonRecordError,
  isRecordTooOldError,
  isServiceDefinitionError,
  OutboxRecoveryDeferredError,
  PoisonRecordError,
  RecordTooOldError,
  ServiceDefinitionError,
  UnknownTableError,
} from './errors';
export { classifyFailure, type FailureKind, StoreUnavailableError } from './failures';
export {
  DELETED_ATTR,
  type FencedRead,
  type FenceEntry,
  fenceAttr,
  padSeq,
  RESERVED_PREFIX,
  UNITS_ATTR,
  unitOf,
  userView,
} from './fence';
export { type ItemCheck, type ItemChecks, itemChecks, type TableCheck } from './item-checks';
export { createKinesisCopyFinder, type KinesisCopyFinderOptions } from './kinesis-copy-finder';
export { createKinesisPublisher } from './kinesis-publisher';
export { createLogReaders, type LogReaders, lookBackDeadline } from './log-readers';
export { type LookupChecks, type LookupValue, lookupChecks } from './lookup-checks';
export { MemoryConsumerStore } from './memory-store';
export { buildEmitted, EmitRejectedError, type OutboxEntry, outboxPk } from './outbox';
export { PARKED_INLINE_CHARS, parkedChunkPk, parkedChunks, parkedItems } from './parked-items';
export { type BatchDeps, LOG_MESSAGES, type Log, processBatch } from './process-batch';
export {
  type EventPublisher,
  MemoryPublisher,
  OutboxPublishError,
  type PublishedEnvelope,
  type PublishOptions,
} from './publisher';
export { type RecoveryDeps, recoverOutbox } from './recovery';
export { type DeclaredService, declareService, defineService, type ServiceDefinition } from './service';
export type {
  EventOfSpec,
  ServiceContext,
  ServiceContextOf,
  ServiceEvent,
  ServiceEventOf,
  ServiceHandler,
  ServiceHandlers,
  TableItem,
  TableItems,
  TypedEmitOptions,
} from './service-types';
export {
  ancestorsOf,
  createKinesisShardDirectory,
  MemoryShardDirectory,
  type ShardDirectory,
} from './shard-parents';
export type {
  AttrConditions,
  AttrTest,
  Condition,
  NumberTest,
  StateAttr,
  StateUpdate,
  StoredItem,
  WriteOptions,
} from './state-ops';
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
  SingleWrite,
  StateItem,
  StateWrite,
} from './types';
