export {
  type AcknowledgedKeys,
  type AcknowledgedResult,
  createAcknowledgedKeys,
} from './acknowledged';
export { createIngress, type IngressDeps, type IngressHandler } from './app';
export { authorizeTopic, principalName, resolveProducer } from './auth';
export {
  DEFAULT_PUT_LIMITS,
  MAX_RECORD_BYTES,
  type OutgoingRecord,
  type PutLimits,
  planBatches,
  STREAM_MAX_RECORD_BYTES,
} from './batching';
export { type IngressConfig, IngressConfigError, loadIngressConfig } from './config';
export {
  ClaimLostError,
  type EventProblem,
  IngressError,
  type IngressErrorCode,
  isClaimLostError,
  isIngressError,
  isLogSearchIncompleteError,
  LogSearchIncompleteError,
} from './errors';
export type { ClaimOutcome, ClaimRequest, IdempotencyStore } from './idempotency';
export { createDynamoIdempotencyStore, type DynamoIdempotencyOptions } from './idempotency-dynamo';
export { createMemoryIdempotencyStore, type MemoryIdempotencyOptions } from './idempotency-memory';
export {
  findEventsInLog,
  findInLog,
  findRecordsInLog,
  type LogSearchOptions,
  partitionHash,
  type WantedEvent,
} from './log-search';
export { MAX_EVENTS_PER_REQUEST, type Mode, parseRequest } from './modes';
export { prepareEvents } from './prepare';
export type { BatchMember, IdempotencyClaimSpec, PrepareContext, PreparedEvent } from './prepared';
export { publishEvents } from './publish';
export type { PublishDeps, PublishResult } from './publish-deps';
export { type CallFailure, classifyCallFailure, sendPutRecordsOnce } from './put-call';
export {
  assertQueryRoutes,
  type QueryRoute,
  queryRouteProblems,
  queryRoutes,
  routesOverlap,
} from './query-routes';
export { type HttpRoute, INGRESS_ROUTES, routeKey } from './routes';
export { type WireIngressOptions, wireIngress } from './wire';
export {
  DEFAULT_RETRY,
  type FailedRecord,
  type RetryPolicy,
  type WriteOutcome,
  type WriterOptions,
  type WrittenRecord,
  writeRecords,
} from './writer';
