import {
  type Catalog,
  type EventData,
  type EventTypeSpec,
  type LookupTableName,
  type MaterializedTypeSpec,
  materializedTypes,
  type ServiceName,
} from '../catalog';
import type { SchemaViolation } from '../schemas';
import type { TableCheck } from './item-checks';
import { schemaRegistryOf } from './schema-registries';

/** The data of each event type of `E` (a union over types and their versions). */
type DataOf<E> = E extends EventTypeSpec ? EventData<E> : never;

/** What `ctx.lookup(K, key)` of service `N` returns once checked: the data of a type its table subscription keeps. */
export type LookupValue<C extends Catalog, N, K> = DataOf<MaterializedTypeSpec<C, N, K>>;

/** Checks of what service `N`'s lookups return against the schemas of the event types it materializes. */
export interface LookupChecks<C extends Catalog, N> {
  /**
   * The check of values looked up in `table`: the value must match a version of a (non-tombstone) type
   * on the topic that the service materializes into `table`.
   */
  of<K extends LookupTableName<C, N> & string>(table: K): TableCheck<K, LookupValue<C, N, K>>;
}

// The value matched one of the schemas `LookupValue` is the union of.
const matched = <T>(ok: boolean, _value: unknown): _value is T => ok;

/**
 * Lookup checks for service `N`, with the validators of its registry: the event validators it already
 * holds for the topics it subscribes to (generated at synth in a Lambda bundle, so no schema checker is
 * bundled; compiled by Ajv in local mode and tests). A looked-up value is the latest data of its key,
 * kept at the version it was written in, so every version of every materialized type is tried, latest
 * first. Errors are JSON pointers with Ajv's message; with more than one candidate schema, each
 * message names the type and version it failed.
 *
 * @example
 * const rates = lookupChecks(catalog, 'payments').of('rates');
 * const checked = rates.check(await ctx.lookup('rates', 'USD-EUR'));
 * if (checked.ok) console.log(checked.item.rate);
 */
export const lookupChecks = <C extends Catalog, const N extends ServiceName<C> & string>(
  catalog: C,
  service: N,
): LookupChecks<C, N> => ({
  of: <K extends LookupTableName<C, N> & string>(table: K): TableCheck<K, LookupValue<C, N, K>> => {
    const candidates = materializedTypes(catalog, service, table).flatMap((spec) =>
      Object.keys(spec.versions)
        .map(Number)
        .sort((a, b) => b - a)
        .map((version) => ({ type: spec.type, version })),
    );
    return {
      table,
      check(value) {
        if (candidates.length === 0) {
          const message = `table ${table} is not a table subscription of service ${service} with event types to check`;
          return { ok: false, errors: [{ path: '', message }] };
        }
        const registry = schemaRegistryOf(catalog, service);
        const errors: SchemaViolation[] = [];
        for (const { type, version } of candidates) {
          const result = registry.validate(type, version, value);
          if (matched<LookupValue<C, N, K>>(result.ok, value)) return { ok: true, item: value };
          if (!result.ok)
            errors.push(
              ...result.errors.map((e) =>
                candidates.length === 1 ? e : { ...e, message: `${e.message} (as ${type} v${version})` },
              ),
            );
        }
        return { ok: false, errors };
      },
    };
  },
});
