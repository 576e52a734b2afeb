export { type AttributeValue, plainImage, plainValue } from './attributes';
export {
  type Change,
  type ChangeKind,
  coveredBySnapshot,
  STREAM_KINDS,
  type StreamRecordLike,
  snapshotChange,
  streamChange,
} from './change';
export {
  CDC_ENV,
  type CdcConfig,
  isUnknownCdcSourceError,
  loadCdcConfig,
  UnknownCdcSourceError,
} from './config';
export { cdcPkPrefix, createDynamoCdcStore, type DynamoCdcStoreOptions } from './dynamo-store';
export {
  BatchInFlightError,
  CdcPublishError,
  CdcStoreThrottledError,
  ChangeReadError,
  isBatchInFlightError,
  isCdcPublishError,
  isCdcStoreThrottledError,
  isChangeReadError,
  isSnapshotPendingError,
  isStreamChangedError,
  SnapshotPendingError,
  StreamChangedError,
} from './errors';
export { type CapturedEvent, captureEvent, changeEventId } from './events';
export { type CapturePublisher, createKinesisCapturePublisher, roundsByKey } from './publish';
export { createDynamoScan, type ScanPage, type ScanSegment } from './scan';
export { runSnapshot, type SnapshotDeps, type SnapshotOutcome } from './snapshot';
export type {
  BatchAttempt,
  CdcStore,
  ParkedChange,
  PendingCapture,
  SegmentProgress,
  SnapshotMarker,
  SnapshotState,
} from './store';
export {
  type DeliveredRecord,
  OVERLAP_MARGIN_MS,
  processStreamBatch,
  type StreamDeps,
  type StreamOutcome,
} from './stream';
export { type Cdc, type WireCdcOptions, wireCdc } from './wire';
