import type { Catalog } from '../catalog';
import { createSchemaRegistry, type SchemaRegistry, serviceSchemaScope } from '../schemas';

const registries = new WeakMap<Catalog, Map<string, SchemaRegistry>>();

/**
 * The schema registry of `catalog`, of what `service` validates (`serviceSchemaScope`) when given,
 * built once per catalog object and service. Building compiles (or looks up) a validator for every
 * version of every type in scope: up to 0.3–0.7 s for the example's whole catalog, paid by each
 * `defineService` call. A Lambda container makes one call, so there it changes nothing; a test file
 * that runs `testService` per test paid it every time. A catalog from `defineCatalog` is frozen and
 * the registry holds no per-call state, so sharing it is safe.
 */
export const schemaRegistryOf = (catalog: Catalog, service?: string): SchemaRegistry => {
  let byService = registries.get(catalog);
  if (byService === undefined) {
    byService = new Map();
    registries.set(catalog, byService);
  }
  const key = service ?? '';
  let registry = byService.get(key);
  if (registry === undefined) {
    // A service validates only what it consumes and writes, and its own items: its bundle carries just those.
    registry = createSchemaRegistry(catalog, service ? serviceSchemaScope(catalog, service) : {});
    byService.set(key, registry);
  }
  return registry;
};
