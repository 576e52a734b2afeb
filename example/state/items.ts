import type { StateItem, TableCheck } from '../../shared/consumer';

/** The state reads a helper needs, on the tables `T`: a service's context narrows `T` to its own tables. */
export interface StateReader<T extends string> {
  get(table: T, pk: string): Promise<StateItem | undefined>;
}

/** A stored item does not have the shape the service writes: a bug or a migration gap, never retried away. */
export class StateShapeError extends Error {
  readonly code = 'STATE_SHAPE';
  constructor(
    readonly table: string,
    readonly pk: string,
    readonly problems: readonly string[],
  ) {
    super(`${table}/${pk} does not have the shape the service writes: ${problems.join('; ')}`);
    this.name = 'StateShapeError';
  }
}

/**
 * Reads an item and checks it against the item schema the catalog declares for its table (the shape the
 * service writes). A stored item that does not match fails loudly: the event is retried, then parked.
 * The check runs the validators Spine generated at synth from the catalog, so no schema checker is
 * bundled; the schema is also the item's type.
 */
export const readState = async <T extends string, I>(
  ctx: StateReader<T>,
  items: TableCheck<T, I>,
  pk: string,
): Promise<I | undefined> => {
  const { table } = items;
  const item = await ctx.get(table, pk);
  if (item === undefined) return undefined;
  const checked = items.check(item);
  if (checked.ok) return checked.item;
  throw new StateShapeError(
    table,
    pk,
    checked.errors.map((e) => `${e.path || '/'} ${e.message}`),
  );
};

/** The lookups a helper needs, on the tables `T`: a service's context narrows `T` to its table subscriptions. */
export interface LookupReader<T extends string> {
  lookup(
    table: T,
    key: string,
    options?: { maxAgeMs?: number },
  ): Promise<Record<string, unknown> | undefined>;
}

/**
 * Looks `key` up in a table subscription and checks the value against the schemas of the event types
 * the table keeps (`lookupChecks`), with the validators Spine generated at synth. Undefined when the key
 * is absent (never written, or deleted by a tombstone); a value that matches none of them fails loudly,
 * as `readState` does: the event is retried, then parked.
 */
export const readLookup = async <T extends string, V>(
  ctx: LookupReader<T>,
  values: TableCheck<T, V>,
  key: string,
  options?: { maxAgeMs?: number },
): Promise<V | undefined> => {
  const { table } = values;
  const value = await ctx.lookup(table, key, options);
  if (value === undefined) return undefined;
  const checked = values.check(value);
  if (checked.ok) return checked.item;
  throw new StateShapeError(
    table,
    key,
    checked.errors.map((e) => `${e.path || '/'} ${e.message}`),
  );
};

export const toItem = <S extends object>(pk: string, state: S): S & { readonly pk: string } => ({
  ...state,
  pk,
});

/** An ISO timestamp of when the service applied something (shown in histories and the demo timeline). */
export const now = (): string => new Date().toISOString();
