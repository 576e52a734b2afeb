export type { LiveControl } from './control';
export {
  type Delivery,
  deliverRuns,
  INVOKE_REQUEST_LIMIT_BYTES,
  type SendOptions,
  sendBatch,
  splitByBytes,
} from './deliver';
export { isOpsError, OpsError, type OpsErrorCode } from './errors';
export { measureShardLag, type ShardLag, summarizeLag } from './lag';
export {
  LagTracker,
  type LagTrackerDeps,
  type LagTrackerOptions,
  type SampleCost,
  type TrackedStatus,
} from './lag-tracker';
export {
  kinesisLogReader,
  type LogReader,
  type ReadOptions,
  type ShardInfo,
  type ShardStart,
} from './log-reader';
export { describePosition, type LogPosition, logPositionSchema, parsePosition } from './position';
export { endOf, type RangeScan, readRange, type ShardRange, scanRange, startOf } from './range';
export { type LogRecord, type RecordShape, toKinesisRecord } from './records';
export {
  REDRIVE_SESSION,
  type RedriveDeps,
  type RedriveItemResult,
  type RedriveOutcome,
  type RedriveRequest,
  runRedrive,
} from './redrive';
export { type MayBeAppliedItems, mayBeAppliedError, mayBeAppliedIn } from './redrive-guard';
export { runReplay } from './replay';
export type {
  ReplayDeps,
  ReplayHooks,
  ReplayMode,
  ReplayOutcome,
  ReplayPlan,
  ReplayRequest,
  ShardPlan,
} from './replay-types';
export { newScope, SCOPE_SEPARATOR, scopedShardId, splitShardId } from './scope';
export { REPLAY_SESSION, subscriptionOf, topicOf } from './session';
export { ShardWindow } from './shard-window';
export {
  collectStatus,
  type ShardStatus,
  type Status,
  type StatusDeps,
  type SubscriptionStatus,
} from './status';
export {
  auditPk,
  type CheckpointView,
  dynamoOpsStore,
  type KeyMarkerView,
  type OpsStore,
  type OpsTables,
  type ParkedItem,
  type Session,
} from './store';
