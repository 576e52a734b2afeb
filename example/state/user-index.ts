import type { StateItem, StateUpdate, TableCheck, WriteOptions } from '../../shared/consumer';
import { readState } from './items';

/** The state writes and reads the index needs, on the tables `T` (a service's own tables). */
interface IndexAccess<T extends string> {
  get(table: T, pk: string): Promise<StateItem | undefined>;
  update(table: T, pk: string, update: StateUpdate, options?: WriteOptions): void;
  delete(table: T, pk: string, options?: WriteOptions): void;
}

/**
 * Per-user lists of the items a service keeps about that user (pk = userId, `ids`). State tables only
 * have a partition key, so this index is how a `UserDeleted` handler finds everything to delete.
 * Cost: one more write per item created, and a user's items must fit in one transaction to be deleted
 * by one event: a delete takes two of its 99 items (the write and its tombstone's sweep entry), so 48
 * items with their index, 47 when the handler also writes an erasure marker (`erasure.ts`; both measured
 * on the memory store). Past that the `UserDeleted` is parked, not half applied.
 */
/** The check of an index table's items (`itemChecks(catalog, service).of(table)`): what it lists. */
type IndexCheck<T extends string> = TableCheck<T, { readonly ids?: readonly string[] }>;

export const appendToIndex = <T extends string>(
  ctx: IndexAccess<T>,
  table: T,
  userId: string,
  id: string,
): void => ctx.update(table, userId, { append: { ids: [id] } });

/** The listed ids; an index item without `ids` (a profile written before any item) lists none. */
const indexOf = async <T extends string>(
  ctx: IndexAccess<T>,
  index: IndexCheck<T>,
  userId: string,
): Promise<readonly string[] | undefined> => {
  const item = await readState(ctx, index, userId);
  return item === undefined ? undefined : (item.ids ?? []);
};

export const indexedIds = async <T extends string>(
  ctx: IndexAccess<T>,
  index: IndexCheck<T>,
  userId: string,
): Promise<string[]> => [...new Set((await indexOf(ctx, index, userId)) ?? [])];

/**
 * Deletes the user's index entry and every item it lists from `itemsTable`. The index delete is
 * conditional on the list read here (it only grows, so its length tells): an item appended by another
 * shard's event between this read and the commit fails the condition, the event is retried (an
 * attempt) and the retry deletes that item too, instead of leaving it behind unindexed.
 */
export const forgetUser = async <T extends string>(
  ctx: IndexAccess<T>,
  index: IndexCheck<T>,
  itemsTable: T,
  userId: string,
): Promise<number> => {
  const indexTable = index.table;
  const listed = await indexOf(ctx, index, userId);
  const ids = [...new Set(listed ?? [])];
  for (const id of ids) ctx.delete(itemsTable, id);
  ctx.delete(
    indexTable,
    userId,
    listed === undefined
      ? { if: { pk: { exists: false } } }
      : { if: { ids: { size: { eq: listed.length } } } },
  );
  return ids.length;
};
