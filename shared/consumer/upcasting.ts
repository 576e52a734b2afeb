import { type EventTypeSpec, latestVersion, type Upcasters } from '../catalog';
import { dataSchemaUri } from '../envelope';
import { upcast } from '../evolution';
import type { SchemaRegistry } from '../schemas';
import type { EventHandler } from './types';

/**
 * Wraps the handler of an event type that declares upcasters: an event of an older version is
 * converted, step by step, into the latest before the handler runs, each step's output checked against
 * its version's schema. The record in the log is untouched (a replay converts it again, the same way:
 * upcasters are pure); `event.envelope` carries the converted data and version, like the event.
 *
 * A failing upcaster (it throws, or its output fails the schema) throws `EvolutionError`
 * `UPCAST_FAILED` from the handler: an attempt like any handler error, and after `maxAttempts` the
 * original event is parked whole, to be redriven once the upcaster is fixed. The registry is built on
 * the first old event, so a service that only ever sees the latest version pays nothing at cold start.
 */
export const latestOnly = (
  spec: EventTypeSpec,
  upcasters: Upcasters,
  handle: EventHandler,
  registry: () => SchemaRegistry,
): EventHandler => {
  const latest = latestVersion(spec);
  const validate = (version: number, data: unknown): string | undefined => {
    const result = registry().validate(spec.type, version, data);
    return result.ok ? undefined : result.errors.map((e) => `${e.path || '/'} ${e.message}`).join('; ');
  };
  return (event, ctx) => {
    if (event.version === latest) return handle(event, ctx);
    const { version, data } = upcast(spec.type, upcasters, event.version, latest, event.data, validate);
    const envelope = {
      ...event.envelope,
      data,
      dataversion: version,
      dataschema: dataSchemaUri(spec.type, version),
    };
    return handle({ ...event, version, data, envelope }, ctx);
  };
};
