export { cdcKeyAttributes, cdcServiceTable } from './cdc-checks';
export { CatalogError, type CatalogProblem, isCatalogError } from './errors';
export { type EventSourceMappingSettings, eventSourceMappingSettings } from './mapping';
export {
  eventType,
  latestVersion,
  materializedTypes,
  serviceByName,
  serviceEventTypes,
  subscriptions,
  topicByName,
  topicWriters,
} from './queries';
export type {
  ConsumedTypeSpec,
  EventData,
  LatestVersion,
  LookupTableName,
  MaterializedTypeSpec,
  SchemaData,
  ServiceName,
  SpecOf,
  SubscribedTopic,
  TableName,
  VersionOf,
  WrittenTypeSpec,
} from './typed';
export type {
  Catalog,
  CatalogSpec,
  CdcSourceSpec,
  CdcTableRef,
  CompatibilityMode,
  EventTypeSpec,
  JsonSchema,
  ProducerSpec,
  QuerySpec,
  RetryPolicy,
  ServiceSpec,
  StartingPosition,
  SubscriptionSpec,
  TableSpec,
  TopicSpec,
  Upcaster,
  Upcasters,
} from './types';
export { COMPATIBILITY_MODES } from './types';
export { defineCatalog } from './validate';
