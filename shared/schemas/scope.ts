import { type Catalog, serviceEventTypes } from '../catalog';
import type { SchemaRegistryOptions } from './registry';

/**
 * What a service's function validates: the event types it consumes or writes, and its own tables'
 * item schemas. Its bundle carries validators for exactly these (`SpineFunction`'s `schemaScope`), and
 * its runtime registry asks for exactly these, so a stale bundle fails at cold start.
 */
export const serviceSchemaScope = (catalog: Catalog, service: string): SchemaRegistryOptions => ({
  types: serviceEventTypes(catalog, service),
  service,
});
