import type {
  Catalog,
  EventTypeSpec,
  ProducerDelivery,
  ServiceSpec,
  SubscriptionSpec,
  TopicSpec,
} from './types';

/** Derived views of the catalog, shared by infra, runtime and local mode so nothing is computed twice. */

export const topicByName = (catalog: Catalog, name: string): TopicSpec | undefined =>
  catalog.topics.find((t) => t.name === name);

export const eventType = (catalog: Catalog, type: string): EventTypeSpec | undefined =>
  catalog.eventTypes.find((e) => e.type === type);

export const serviceByName = (catalog: Catalog, name: string): ServiceSpec | undefined =>
  catalog.services.find((s) => s.name === name);

/**
 * How the ingress treats a writer's retries: its producer's `delivery`, `'idempotent'` when unset or
 * when the writer is not a declared producer (a service or CDC source keeps every guarantee).
 */
export const producerDelivery = (catalog: Catalog, writer: string): ProducerDelivery =>
  catalog.producers.find((p) => p.name === writer)?.delivery ?? 'idempotent';

/** Producers and services that own at least one event type on the topic (its only legal writers). */
export const topicWriters = (catalog: Catalog, topic: string): string[] =>
  [...new Set(catalog.eventTypes.filter((e) => e.topic === topic).map((e) => e.writer))].sort();

/** Every (service, subscription) pair: one Lambda and one event source mapping each. */
export const subscriptions = (catalog: Catalog): { service: ServiceSpec; subscription: SubscriptionSpec }[] =>
  catalog.services.flatMap((service) =>
    service.subscriptions.map((subscription) => ({ service, subscription })),
  );

export const latestVersion = (spec: EventTypeSpec): number =>
  Math.max(...Object.keys(spec.versions).map(Number));

/**
 * The event types a service's function validates, sorted: every type on a topic it subscribes to (what
 * it consumes, upcasts and materializes) and every type it writes (what `ctx.emit` checks). Its Lambda
 * bundle carries validators for these only; the runtime checks at cold start that it has them all.
 */
export const serviceEventTypes = (catalog: Catalog, service: string): string[] => {
  const spec = serviceByName(catalog, service);
  const topics = new Set(spec?.subscriptions.map((s) => s.topic));
  return catalog.eventTypes
    .filter((e) => topics.has(e.topic) || e.writer === service)
    .map((e) => e.type)
    .sort();
};

/**
 * The event types whose data service `service` keeps in its lookup table `table`: the types on the
 * topic of its table subscription into `table`, except tombstones (they delete the key). What
 * `ctx.lookup(table, key)` returns is the latest data of one of these, at the version it was written.
 */
export const materializedTypes = (catalog: Catalog, service: string, table: string): EventTypeSpec[] => {
  const subscription = serviceByName(catalog, service)?.subscriptions.find(
    (s) => s.materialize?.table === table,
  );
  if (!subscription) return [];
  return catalog.eventTypes.filter((e) => e.topic === subscription.topic && !e.tombstone);
};
