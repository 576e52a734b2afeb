import type { Catalog } from '../catalog';
import { createSchemaRegistry, type SchemaRegistry } from '../schemas';

const registries = new WeakMap<Catalog, SchemaRegistry>();

/**
 * The schema registry of `catalog`, built once per catalog object. Building compiles (or looks up) a
 * validator for every version of every event type: 0.3–0.7 s for the example's catalog, paid by each
 * `defineService` call. A Lambda container makes one call, so there it changes nothing; a test file
 * that runs `testService` per test paid it every time. A catalog from `defineCatalog` is frozen and
 * the registry holds no per-call state, so sharing it is safe.
 */
export const schemaRegistryOf = (catalog: Catalog): SchemaRegistry => {
  let registry = registries.get(catalog);
  if (registry === undefined) {
    registry = createSchemaRegistry(catalog);
    registries.set(catalog, registry);
  }
  return registry;
};
