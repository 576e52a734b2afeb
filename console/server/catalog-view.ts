import type { Catalog } from '../../shared/catalog';
import type { CatalogView } from '../api-types';

/**
 * The catalog as the page shows it: each event type with its versions and schemas, compatibility
 * mode (BACKWARD unless declared, as `spine schema check` applies it), its one writer, and the
 * services reading it (those subscribed to its topic: a subscription receives every type on it).
 */
export const catalogView = (catalog: Catalog): CatalogView => ({
  topics: catalog.topics.map((t) => ({ name: t.name, ...(t.description && { description: t.description }) })),
  producers: catalog.producers.map((p) => ({
    name: p.name,
    ...(p.description && { description: p.description }),
  })),
  services: catalog.services.map((s) => ({
    name: s.name,
    ...(s.description && { description: s.description }),
    topics: s.subscriptions.map((sub) => sub.topic),
  })),
  types: catalog.eventTypes.map((t) => ({
    type: t.type,
    topic: t.topic,
    keyField: t.keyField,
    compatibility: t.compatibility ?? 'BACKWARD',
    tombstone: t.tombstone === true,
    versions: Object.entries(t.versions)
      .map(([version, schema]) => ({ version: Number(version), schema }))
      .sort((a, b) => a.version - b.version),
    writer: t.writer,
    readers: catalog.services
      .filter((s) => s.subscriptions.some((sub) => sub.topic === t.topic))
      .map((s) => s.name),
  })),
});
