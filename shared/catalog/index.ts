export { cdcKeyAttributes, cdcServiceTable } from './cdc-checks';
export { CatalogError, type CatalogProblem, isCatalogError } from './errors';
export { type EventSourceMappingSettings, eventSourceMappingSettings } from './mapping';
export {
  eventType,
  latestVersion,
  materializedTypes,
  producerDelivery,
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
  ProducerDelivery,
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
export { COMPATIBILITY_MODES, PRODUCER_DELIVERIES } from './types';
export { defineCatalog } from './validate';
