/**
 * `spine`: what a project's own code needs at run time: the catalog (`defineCatalog`), services with
 * typed handlers (`defineService`), the ingress factory, and what a query handler reads state with.
 * Everything of each module is under `spine/catalog` and `spine/consumer`. CDK constructs are in
 * `spine/infra` and local mode in `spine/local`: importing them from here would pull aws-cdk-lib and
 * the emulators into every Lambda bundle.
 */
export { createIngressHandler, type IngressLambdaHandler } from './functions/create-ingress-handler';
export { createDocumentClient } from './shared/aws';
export {
  type Catalog,
  CatalogError,
  type CatalogSpec,
  defineCatalog,
  type EventData,
  type EventTypeSpec,
  isCatalogError,
  type JsonSchema,
  type ServiceName,
  type ServiceSpec,
  type SubscriptionSpec,
  type TableName,
  type TopicSpec,
} from './shared/catalog';
export { requireEnv, stateTableEnvVar, streamEnvVar } from './shared/config';
export {
  defineService,
  type ItemCheck,
  itemChecks,
  type KinesisHandler,
  type LookupChecks,
  type LookupValue,
  lookupChecks,
  MemoryConsumerStore,
  MemoryPublisher,
  type ServiceContextOf,
  type ServiceDefinition,
  type ServiceEventOf,
  type ServiceHandler,
  type TableCheck,
  userView,
} from './shared/consumer';
