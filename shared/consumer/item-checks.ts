import type { Catalog, ServiceName, TableName } from '../catalog';
import type { SchemaViolation, ValidationResult } from '../schemas';
import { schemaRegistryOf } from './schema-registries';
import type { TableItem } from './service-types';

/** A stored item checked against its table's item schema: typed when it holds, else what is wrong. */
export type ItemCheck<T> =
  | { readonly ok: true; readonly item: T }
  | { readonly ok: false; readonly errors: SchemaViolation[] };

/** The check of one table's stored items. */
export interface TableCheck<K extends string, T> {
  readonly table: K;
  /** Checks `item` against the table's item schema; a table without one fails at `''`. */
  check(item: unknown): ItemCheck<T>;
}

/** Checks of service `N`'s stored items against the item schemas its catalog declares for its tables. */
export interface ItemChecks<C extends Catalog, N> {
  /**
   * The check of `table`'s items (`TableSpec.item`). A table without an item schema fails every check:
   * declare the schema in the catalog, which also types the table in `ctx.get/put/update`.
   */
  of<K extends TableName<C, N> & string>(table: K): TableCheck<K, TableItem<C, N, K>>;
}

// The registry's validator is the type guard: it accepted `item` against the very schema `TableItem` reads.
const accepted = <T>(result: ValidationResult, _item: unknown): _item is T => result.ok;
const violations = (result: ValidationResult): SchemaViolation[] => (result.ok ? [] : result.errors);

/**
 * Item checks for service `N`, with the validators its registry holds: generated at synth in a Lambda
 * bundle (no schema checker is bundled, and a stale bundle fails at cold start), compiled by Ajv in
 * local mode and tests. Errors are JSON pointers with Ajv's message, as for events.
 *
 * @example
 * const orderItems = itemChecks(catalog, 'orders').of('orders');
 * const checked = orderItems.check(await ctx.get('orders', orderId));
 * if (!checked.ok) throw new Error(checked.errors.map((e) => `${e.path} ${e.message}`).join('; '));
 */
export const itemChecks = <C extends Catalog, const N extends ServiceName<C> & string>(
  catalog: C,
  service: N,
): ItemChecks<C, N> => ({
  of: <K extends TableName<C, N> & string>(table: K): TableCheck<K, TableItem<C, N, K>> => ({
    table,
    check(item) {
      const result = schemaRegistryOf(catalog, service).validateItem(service, table, item);
      if (accepted<TableItem<C, N, K>>(result, item)) return { ok: true, item };
      return { ok: false, errors: violations(result) };
    },
  }),
});
