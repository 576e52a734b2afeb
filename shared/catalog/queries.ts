import type { Catalog, EventTypeSpec, ServiceSpec, SubscriptionSpec, TopicSpec } from './types';

/** Derived views of the catalog, shared by infra, runtime and local mode so nothing is computed twice. */

export const topicByName = (catalog: Catalog, name: string): TopicSpec | undefined =>
  catalog.topics.find((t) => t.name === name);

export const eventType = (catalog: Catalog, type: string): EventTypeSpec | undefined =>
  catalog.eventTypes.find((e) => e.type === type);

export const serviceByName = (catalog: Catalog, name: string): ServiceSpec | undefined =>
  catalog.services.find((s) => s.name === name);

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
