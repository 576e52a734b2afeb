import { defineCatalog } from '../../../shared/catalog';

/**
 * The CDC integration tests' catalog: a `store` service's `items` table captured by `items-cdc` into
 * topic `items` (upserts and removes), versioned by the item's `version` attribute.
 */
export const itemsCatalog = (options: { readonly shards: number; readonly snapshotSegments: number }) => {
  const item = {
    type: 'object',
    required: ['pk', 'version'],
    properties: { pk: { type: 'string' }, version: { type: 'integer' }, n: { type: 'integer' } },
  } as const;
  const catalog = defineCatalog({
    topics: [{ name: 'items', shards: options.shards, retentionHours: 24 }],
    producers: [],
    eventTypes: [
      { type: 'ItemUpserted', topic: 'items', writer: 'items-cdc', keyField: 'pk', versions: { 1: item } },
      { type: 'ItemRemoved', topic: 'items', writer: 'items-cdc', keyField: 'pk', versions: { 1: item } },
    ],
    services: [{ name: 'store', entry: 'x.ts', subscriptions: [], tables: [{ name: 'items' }] }],
    cdcSources: [
      {
        name: 'items-cdc',
        table: { service: 'store', table: 'items' },
        topic: 'items',
        types: { insert: 'ItemUpserted', modify: 'ItemUpserted', remove: 'ItemRemoved' },
        versionAttribute: 'version',
        snapshotSegments: options.snapshotSegments,
      },
    ],
  });
  const spec = catalog.cdcSources?.[0];
  if (!spec) throw new Error('catalog has no CDC source');
  return { catalog, spec };
};
